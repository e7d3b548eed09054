# Exchange 2007-2019 transport objects through the Exchange Management Shell cmdlets: send connectors, receive
# connectors, remote domains. Cmdlets get their parameters by splatting a hashtable built from checked request
# fields, so a request value is only ever a parameter value (a connector named "x'; Remove-Item" is a name).
# Values read back are in the kinds' wire form: SmartHosts lowercase, IPs as [a.b.c.d], sorted (a set).
#op exchange.sendconnector.get Get-ExchangeSendConnector
#op exchange.sendconnector.set Set-ExchangeSendConnector
#op exchange.receiveconnector.get Get-ExchangeReceiveConnector
#op exchange.receiveconnector.set Set-ExchangeReceiveConnector
#op exchange.receiveconnector.set_ad_banner Set-ExchangeReceiveConnectorAdBanner
#op exchange.remotedomain.get Get-ExchangeRemoteDomain
#op exchange.remotedomain.set Set-ExchangeRemoteDomain

# Loads the Exchange snap-in when its cmdlets are missing. Snap-ins are session-wide, so the first Exchange op of
# a command loads it and the later ones find the cmdlets. The names are constants, newest first: 2013/2016/2019,
# 2010, 2007. The local snap-in bypasses Exchange's remote PowerShell (RBAC): the account needs Exchange rights over
# the transport configuration (Organization Management). On 2013+ Microsoft steers administrators to remote
# PowerShell; that these six cmdlets behave the same through the local snap-in is UNCONFIRMED on a real server.
function Initialize-ExchangeShell
{
    if (Get-Command Get-SendConnector -ErrorAction SilentlyContinue)
    {
        return
    }
    # PowerShell 6 and later have no snap-ins: Get-PSSnapin does not exist there, and a missing command is an error
    # that -ErrorAction does not silence.
    if (-not (Get-Command Get-PSSnapin -ErrorAction SilentlyContinue))
    {
        throw (New-Object System.InvalidOperationException ('the Exchange snap-ins need Windows PowerShell 5.1 or earlier; this host runs PowerShell ' + $PSVersionTable.PSVersion.ToString()))
    }
    foreach ($snapin in @('Microsoft.Exchange.Management.PowerShell.SnapIn', 'Microsoft.Exchange.Management.PowerShell.E2010', 'Microsoft.Exchange.Management.PowerShell.Admin'))
    {
        if (Get-PSSnapin -Registered -Name $snapin -ErrorAction SilentlyContinue)
        {
            $null = Add-PSSnapin -Name $snapin
            return
        }
    }
    throw (New-Object System.InvalidOperationException 'the Exchange Management Shell is not installed on this host: no Exchange snap-in is registered')
}

function Get-ExchangeNameArg
{
    param($OpArgs)
    [string]$name = Get-TextArg $OpArgs 'name'
    if ($name.Length -eq 0)
    {
        throw (New-ArgumentError 'argument ''name'' must not be empty')
    }
    return $name
}

# Exchange compares names without regard to case; so does the lab (OrdinalIgnoreCase there too).
function Test-ExchangeName
{
    param($Actual, [string]$Wanted)
    return [string]::Equals([string]$Actual, $Wanted, [System.StringComparison]::OrdinalIgnoreCase)
}

# The object of that Name among $Objects (Exchange compares names without regard to case), else a Failed error
# that shows the object as $Shown.
function Select-ExchangeObject
{
    param([object[]]$Objects, [string]$Name, [string]$What, [string]$Shown)
    $found = $null
    foreach ($item in $Objects)
    {
        if (Test-ExchangeName $item.Name $Name)
        {
            $found = $item
        }
    }
    if ($null -eq $found)
    {
        throw (New-Object System.InvalidOperationException ($What + ' ''' + $Shown + ''' was not found'))
    }
    return $found
}

# ---------------------------------------------------------------------------------------------------------
# Send connectors

function Test-ExchangeIpv4
{
    param([string]$Text)
    return ($Text -cmatch '^(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}\z')
}

# The wire form of one smart host: a lowercase DNS name (not all digits) or an IPv4 literal in brackets.
function Test-ExchangeSmartHost
{
    param([string]$Text)
    if ($Text.StartsWith('[') -and $Text.EndsWith(']') -and $Text.Length -gt 2)
    {
        return (Test-ExchangeIpv4 $Text.Substring(1, $Text.Length - 2))
    }
    if ($Text.Length -gt 253 -or $Text -cmatch '^[0-9.]+\z')
    {
        return $false
    }
    return ($Text -cmatch '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\z')
}

# SmartHosts as read: lowercase, IPs in brackets whatever form ToString() gives, sorted ordinally.
function ConvertTo-ExchangeSmartHostList
{
    param($Values)
    $list = New-Object System.Collections.ArrayList
    if ($null -ne $Values)
    {
        foreach ($value in $Values)
        {
            if ($null -ne $value)
            {
                $text = ([string]$value).ToLowerInvariant()
                if (Test-ExchangeIpv4 $text)
                {
                    $text = '[' + $text + ']'
                }
                [void]$list.Add($text)
            }
        }
    }
    $list.Sort([System.StringComparer]::Ordinal)
    return ,($list.ToArray())
}

# The request's smart hosts as the -SmartHosts value: $null for none, IPs bare, as Set-SendConnector.md asks
# ("enter the IP address as a literal. For example, 10.10.1.1").
function ConvertFrom-ExchangeSmartHostArg
{
    param($Value)
    $typeError = 'argument ''smart_hosts'' must be an array of strings'
    if (-not ($Value -is [System.Array]))
    {
        throw (New-ArgumentError $typeError)
    }
    foreach ($item in $Value)
    {
        if (-not ($item -is [string]))
        {
            throw (New-ArgumentError $typeError)
        }
    }
    foreach ($item in $Value)
    {
        if (-not (Test-ExchangeSmartHost $item))
        {
            throw (New-ArgumentError ('smart host ''' + $item + ''' must be a lowercase host name such as relay.contoso.com or an IPv4 literal in brackets such as [10.0.0.25]'))
        }
    }
    $seen = New-Object System.Collections.Hashtable
    $names = New-Object System.Collections.ArrayList
    foreach ($item in $Value)
    {
        if ($seen.ContainsKey($item))
        {
            throw (New-ArgumentError 'argument ''smart_hosts'' must not list a smart host twice')
        }
        $seen[$item] = $true
        if ($item.StartsWith('['))
        {
            [void]$names.Add($item.Substring(1, $item.Length - 2))
        }
        else
        {
            [void]$names.Add($item)
        }
    }
    if ($names.Count -eq 0)
    {
        return $null
    }
    return ,([string[]]$names.ToArray())
}

function Get-ExchangeFieldsArg
{
    param($OpArgs)
    $fields = $OpArgs['fields']
    $valid = ($fields -is [System.Array]) -and $fields.Length -gt 0
    $seen = New-Object System.Collections.Hashtable
    if ($valid)
    {
        foreach ($field in $fields)
        {
            if (-not ($field -is [string]) -or -not (@('dns_routing_enabled', 'port', 'smart_hosts') -ccontains $field) -or $seen.ContainsKey($field))
            {
                $valid = $false
            }
            else
            {
                $seen[$field] = $true
            }
        }
    }
    if (-not $valid)
    {
        throw (New-ArgumentError 'argument ''fields'' must be an array of distinct names among dns_routing_enabled, port, smart_hosts')
    }
    return ,$fields
}

function Get-ExchangeSendConnector
{
    param($OpArgs)
    $name = Get-ExchangeNameArg $OpArgs
    $fields = Get-ExchangeFieldsArg $OpArgs
    Initialize-ExchangeShell
    $connector = Select-ExchangeObject @(Get-SendConnector) $name 'send connector' $name
    $value = New-Object System.Collections.Hashtable
    if ($fields -ccontains 'dns_routing_enabled')
    {
        $value['dns_routing_enabled'] = [bool]$connector.DNSRoutingEnabled
    }
    if ($fields -ccontains 'port')
    {
        $value['port'] = [int]$connector.Port
    }
    if ($fields -ccontains 'smart_hosts')
    {
        $value['smart_hosts'] = ConvertTo-ExchangeSmartHostList $connector.SmartHosts
    }
    return $value
}

# One Set-SendConnector call with exactly the parameters given, so DNSRoutingEnabled, SmartHosts and Port change
# together. Set-SendConnector's own rules are checked first, so that every Exchange version and the lab refuse with
# the same words: SmartHosts must come with DNSRoutingEnabled $false in one call, and smart hosts need it $false.
function Set-ExchangeSendConnector
{
    param($OpArgs)
    $name = Get-ExchangeNameArg $OpArgs
    $p = @{}
    if ($OpArgs.ContainsKey('dns_routing_enabled'))
    {
        if (-not ($OpArgs['dns_routing_enabled'] -is [bool]))
        {
            throw (New-ArgumentError 'argument ''dns_routing_enabled'' must be true or false')
        }
        $p['DNSRoutingEnabled'] = $OpArgs['dns_routing_enabled']
    }
    if ($OpArgs.ContainsKey('smart_hosts'))
    {
        $p['SmartHosts'] = ConvertFrom-ExchangeSmartHostArg $OpArgs['smart_hosts']
    }
    if ($OpArgs.ContainsKey('port'))
    {
        $port = $OpArgs['port']
        if (-not ($port -is [long]) -or $port -lt 0 -or $port -gt 65535)
        {
            throw (New-ArgumentError 'argument ''port'' must be a whole number from 0 to 65535')
        }
        $p['Port'] = [int]$port
    }
    if ($p.Count -eq 0)
    {
        throw (New-ArgumentError 'nothing to set: give dns_routing_enabled, smart_hosts or port')
    }
    $required = 'Set-SendConnector: SmartHosts must be given, not empty, in the same call that sets DNSRoutingEnabled to $false'
    if ($p.ContainsKey('DNSRoutingEnabled') -and -not $p['DNSRoutingEnabled'] -and $null -eq $p['SmartHosts'])
    {
        throw (New-ArgumentError $required)
    }
    Initialize-ExchangeShell
    $connector = Select-ExchangeObject @(Get-SendConnector) $name 'send connector' $name
    $dns = [bool]$connector.DNSRoutingEnabled
    if ($p.ContainsKey('DNSRoutingEnabled'))
    {
        $dns = $p['DNSRoutingEnabled']
    }
    $hasHosts = ($null -ne $connector.SmartHosts) -and ($connector.SmartHosts.Count -gt 0)
    if ($p.ContainsKey('SmartHosts'))
    {
        $hasHosts = $null -ne $p['SmartHosts']
    }
    if ($hasHosts -and $dns)
    {
        throw (New-ArgumentError 'Set-SendConnector: a connector with SmartHosts must have DNSRoutingEnabled $false (clear SmartHosts in the same call that sets it to $true)')
    }
    if (-not $hasHosts -and -not $dns)
    {
        throw (New-ArgumentError 'Set-SendConnector: clearing SmartHosts needs DNSRoutingEnabled $true in the same call')
    }
    $p['Identity'] = $connector.Identity
    $p['Confirm'] = $false
    $null = Set-SendConnector @p
    return $null
}

# ---------------------------------------------------------------------------------------------------------
# Receive connectors: only those of this server (Get-ReceiveConnector -Server $env:COMPUTERNAME).

# The connector an op names: identity SERVER\Name (SERVER must be this one), Name, or null for the anonymous
# Internet connector of Exchange 2013+, "Default Frontend <SERVER>" (TechNet bb124740).
function Get-ExchangeReceiveTarget
{
    param($OpArgs)
    if (-not ($OpArgs -is [System.Collections.IDictionary]))
    {
        throw (New-ArgumentError 'args must be an object')
    }
    $identity = $OpArgs['identity']
    $server = [string]$env:COMPUTERNAME
    if ($null -eq $identity)
    {
        return @{ Server = $server; Name = ('Default Frontend ' + $server) }
    }
    if (-not ($identity -is [string]) -or $identity.IndexOf([char]0) -ge 0)
    {
        throw (New-ArgumentError 'argument ''identity'' must be null or a string without NUL characters')
    }
    $parts = $identity.Split([char]'\')
    $bad = $parts.Length -gt 2
    foreach ($part in $parts)
    {
        if ($part.Length -eq 0)
        {
            $bad = $true
        }
    }
    if ($bad)
    {
        throw (New-ArgumentError ('receive connector identity ''' + $identity + ''' must be SERVER\Name or Name'))
    }
    if ($parts.Length -eq 2 -and -not (Test-ExchangeName $parts[0] $server))
    {
        throw (New-ArgumentError ('receive connector ''' + $identity + ''' is not on this server (' + $server + '): the agent manages the receive connectors of the server it runs on'))
    }
    return @{ Server = $server; Name = $parts[$parts.Length - 1] }
}

function Test-ExchangeBanner
{
    param($Banner)
    if ($null -eq $Banner)
    {
        return $true
    }
    if (-not ($Banner -is [string]))
    {
        return $false
    }
    return ($Banner.StartsWith('220 ', [System.StringComparison]::Ordinal) -and $Banner.IndexOfAny([char[]]@([char]13, [char]10, [char]0)) -lt 0)
}

function Get-ExchangeReceiveConnector
{
    param($OpArgs)
    $target = Get-ExchangeReceiveTarget $OpArgs
    Initialize-ExchangeShell
    $shown = $target['Server'] + '\' + $target['Name']
    $connector = Select-ExchangeObject @(Get-ReceiveConnector -Server $target['Server']) $target['Name'] 'receive connector' $shown
    $banner = [string]$connector.Banner
    if ($banner.Length -eq 0)
    {
        $banner = $null
    }
    return @{ banner = $banner }
}

# Banner $null is passed as a real $null: it restores the default banner.
function Set-ExchangeReceiveConnector
{
    param($OpArgs)
    $target = Get-ExchangeReceiveTarget $OpArgs
    $banner = $OpArgs['banner']
    if (-not $OpArgs.ContainsKey('banner') -or -not (Test-ExchangeBanner $banner))
    {
        throw (New-ArgumentError 'Set-ReceiveConnector: Banner must be $null (the default banner) or one line that starts with ''220 ''')
    }
    Initialize-ExchangeShell
    $shown = $target['Server'] + '\' + $target['Name']
    $connector = Select-ExchangeObject @(Get-ReceiveConnector -Server $target['Server']) $target['Name'] 'receive connector' $shown
    $p = @{}
    $p['Identity'] = $connector.Identity
    $p['Banner'] = $banner
    $p['Confirm'] = $false
    $null = Set-ReceiveConnector @p
    return $null
}

# A banner Set-ReceiveConnector refuses (one written with ADSI Edit, which rollback must put back) is written where
# the cmdlet keeps Banner: the connector's Active Directory attribute msExchSmtpReceiveBanner (Exchange's
# ReceiveConnector schema), on the object Get-ReceiveConnector returned (its DistinguishedName, at the domain
# controller it was read from, OriginatingServer, so the re-read sees the write). The text is data: a Properties
# value, never command text; $null or "" clears the attribute (AD keeps no empty strings).
function Set-ExchangeReceiveConnectorAdBanner
{
    param($OpArgs)
    $target = Get-ExchangeReceiveTarget $OpArgs
    $banner = $OpArgs['banner']
    if (-not $OpArgs.ContainsKey('banner') -or ($null -ne $banner -and (-not ($banner -is [string]) -or $banner.IndexOf([char]0) -ge 0)))
    {
        throw (New-ArgumentError 'argument ''banner'' must be null or a string without NUL characters')
    }
    Initialize-ExchangeShell
    $shown = $target['Server'] + '\' + $target['Name']
    $connector = Select-ExchangeObject @(Get-ReceiveConnector -Server $target['Server']) $target['Name'] 'receive connector' $shown
    $path = 'LDAP://' + ([string]$connector.DistinguishedName).Replace('/', '\/')
    $dc = [string]$connector.OriginatingServer
    if ($dc.Length -gt 0)
    {
        $path = 'LDAP://' + $dc + '/' + ([string]$connector.DistinguishedName).Replace('/', '\/')
    }
    $entry = New-Object System.DirectoryServices.DirectoryEntry $path
    $values = $entry.psbase.Properties['msExchSmtpReceiveBanner']
    if ($null -eq $banner -or $banner.Length -eq 0)
    {
        if ($values.Count -gt 0)
        {
            $values.Clear()
        }
    }
    else
    {
        $values.Value = [string]$banner
    }
    $entry.psbase.CommitChanges()
    return $null
}

# ---------------------------------------------------------------------------------------------------------
# Remote domains: TNEFEnabled is $true, $false or $null ("not set": Outlook and mail contacts decide).

function Get-ExchangeRemoteDomain
{
    param($OpArgs)
    $name = Get-ExchangeNameArg $OpArgs
    Initialize-ExchangeShell
    $domain = Select-ExchangeObject @(Get-RemoteDomain) $name 'remote domain' $name
    $tnef = $domain.TNEFEnabled
    if ($null -ne $tnef)
    {
        $tnef = [bool]$tnef
    }
    return @{ tnef_enabled = $tnef }
}

function Set-ExchangeRemoteDomain
{
    param($OpArgs)
    $name = Get-ExchangeNameArg $OpArgs
    $tnef = $OpArgs['tnef_enabled']
    if (-not $OpArgs.ContainsKey('tnef_enabled') -or ($null -ne $tnef -and -not ($tnef -is [bool])))
    {
        throw (New-ArgumentError 'argument ''tnef_enabled'' must be true, false or null')
    }
    Initialize-ExchangeShell
    $domain = Select-ExchangeObject @(Get-RemoteDomain) $name 'remote domain' $name
    $p = @{}
    $p['Identity'] = $domain.Identity
    $p['TNEFEnabled'] = $tnef
    $p['Confirm'] = $false
    $null = Set-RemoteDomain @p
    return $null
}
