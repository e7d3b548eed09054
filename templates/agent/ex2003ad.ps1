# Exchange 2000/2003: the SMTP virtual server's smart host on its Active Directory object, where it is mastered
# (DS2MB copies it into the metabase; KB 321757). Contract: the docstring of
# remediate/resources/exchange2003_smtp_vs.py. The object is found by two searches below the configuration
# naming context; the only request values in an LDAP filter are the checked server name and instance number,
# escaped per RFC 4515 all the same. Values are written through DirectoryEntry.Properties, as data.
#op ex2003ad.get_smtp_vs Get-AdSmtpVirtualServer
#op ex2003ad.set_smtp_vs Set-AdSmtpVirtualServer

# FQDNs or [IPv4] literals separated by ';': character for character SMART_HOST_RE of the Python kind.
function Get-AdSmartHostPattern
{
    return '^(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?=[0-9-]*[A-Za-z])[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?|\[(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}\])(?:;(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?=[0-9-]*[A-Za-z])[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?|\[(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}\]))*\z'
}

# RFC 4515 section 3: in a filter value, \ * ( ) and NUL are written as a backslash and two hex digits.
function ConvertTo-LdapFilterValue
{
    param([string]$Text)
    $sb = New-Object System.Text.StringBuilder
    foreach ($char in $Text.ToCharArray())
    {
        $code = [int]$char
        if ($code -eq 92 -or $code -eq 42 -or $code -eq 40 -or $code -eq 41 -or $code -eq 0)
        {
            [void]$sb.Append(('\{0:x2}' -f $code))
        }
        else
        {
            [void]$sb.Append($char)
        }
    }
    return $sb.ToString()
}

# The checked identity: Server ('' = this computer) and Instance.
function Get-AdSmtpVsArgs
{
    param($OpArgs)
    [string]$server = Get-TextArg $OpArgs 'server'
    if ($server.Length -gt 0 -and -not ($server -cmatch '^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\z'))
    {
        throw (New-ArgumentError 'server must be an Exchange server name (letters, digits and hyphens) or empty')
    }
    $instance = $OpArgs['instance']
    if (-not ($instance -is [long]) -or $instance -lt 1 -or $instance -gt 999999999)
    {
        throw (New-ArgumentError 'instance must be an integer from 1 to 999999999')
    }
    return @{ Server = $server; Instance = [long]$instance }
}

# The VS object: the msExchExchangeServer named Server below CN=Configuration, then below it the
# protocolCfgSMTPServer whose cn is the instance number (CN=<n>,CN=SMTP,CN=Protocols,CN=<Server>,...).
function Find-AdSmtpVirtualServer
{
    param($Identity)
    $server = $Identity['Server']
    if ($server.Length -eq 0)
    {
        $server = [string]$env:COMPUTERNAME
    }
    $number = $Identity['Instance'].ToString([System.Globalization.CultureInfo]::InvariantCulture)
    $rootDse = New-Object System.DirectoryServices.DirectoryEntry 'LDAP://RootDSE'
    $config = [string]$rootDse.psbase.Properties['configurationNamingContext'].Value
    $searcher = New-Object System.DirectoryServices.DirectorySearcher
    # '/' separates ADsPath parts: a DN holding one must escape it.
    $searcher.SearchRoot = New-Object System.DirectoryServices.DirectoryEntry ('LDAP://' + $config.Replace('/', '\/'))
    $searcher.Filter = '(&(objectClass=msExchExchangeServer)(cn=' + (ConvertTo-LdapFilterValue $server) + '))'
    $servers = $searcher.FindAll()
    if ($servers.Count -ne 1)
    {
        throw (New-Object System.InvalidOperationException ("no Exchange server named '" + $server + "' in " + $config))
    }
    $vsSearcher = New-Object System.DirectoryServices.DirectorySearcher
    $vsSearcher.SearchRoot = $servers[0].GetDirectoryEntry()
    $vsSearcher.Filter = '(&(objectClass=protocolCfgSMTPServer)(cn=' + (ConvertTo-LdapFilterValue $number) + '))'
    $found = $vsSearcher.FindAll()
    if ($found.Count -ne 1)
    {
        throw (New-Object System.InvalidOperationException ('no SMTP virtual server ' + $number + " on Exchange server '" + $server + "'"))
    }
    return $found[0].GetDirectoryEntry()
}

function Get-AdSmtpVsValue
{
    param($Entry)
    $props = $Entry.psbase.Properties
    $smartHost = $props['msExchSmtpSmartHost'].Value
    $type = $props['msExchSmtpSmartHostType'].Value
    $out = @{ smart_host = $null; smart_host_type = $null }
    if ($null -ne $smartHost)
    {
        $out['smart_host'] = [string]$smartHost
    }
    if ($null -ne $type)
    {
        $out['smart_host_type'] = [long]$type
    }
    return $out
}

function Get-AdSmtpVirtualServer
{
    param($OpArgs)
    $identity = Get-AdSmtpVsArgs $OpArgs
    $entry = Find-AdSmtpVirtualServer $identity
    return (Get-AdSmtpVsValue $entry)
}

function Set-AdSmtpVirtualServer
{
    param($OpArgs)
    $identity = Get-AdSmtpVsArgs $OpArgs
    $smartHost = $OpArgs['smart_host']
    if ($null -ne $smartHost -and (-not ($smartHost -is [string]) -or -not ($smartHost -cmatch (Get-AdSmartHostPattern))))
    {
        throw (New-ArgumentError "smart_host must be null or FQDNs and [IPv4] literals separated by ';'")
    }
    $type = $OpArgs['smart_host_type']
    if ($null -ne $type -and (-not ($type -is [long]) -or $type -lt 0 -or $type -gt 2))
    {
        throw (New-ArgumentError 'smart_host_type must be null, 0, 1 or 2')
    }
    $entry = Find-AdSmtpVirtualServer $identity
    $current = Get-AdSmtpVsValue $entry
    $props = $entry.psbase.Properties
    $changed = $false
    # Only what differs is written: clearing an attribute that is not set is an LDAP error.
    if (-not (Test-JsonEqual $current['smart_host'] $smartHost))
    {
        if ($null -eq $smartHost)
        {
            $props['msExchSmtpSmartHost'].Clear()
        }
        else
        {
            $props['msExchSmtpSmartHost'].Value = [string]$smartHost
        }
        $changed = $true
    }
    if (-not (Test-JsonEqual $current['smart_host_type'] $type))
    {
        if ($null -eq $type)
        {
            $props['msExchSmtpSmartHostType'].Clear()
        }
        else
        {
            $props['msExchSmtpSmartHostType'].Value = [int]$type
        }
        $changed = $true
    }
    if ($changed)
    {
        $entry.psbase.CommitChanges()
    }
    return $null
}
