# Windows Firewall rules remediate owns, found by display name (remediate/resources/firewall_rule.py).
# Names are compared here, never passed as a -DisplayName pattern:
# Get-NetFirewallRule reads * ? [ ] in a name as wildcards and would match other rules.
#op firewall.get Get-FirewallRuleState
#op firewall.set Set-FirewallRuleState
#op firewall.remove Remove-FirewallRuleState

# 'netsecurity' (Windows Server 2012 and later) or 'com' (2008/2008 R2: HNetCfg.FwPolicy2, read only here).
function Get-FirewallApi
{
    if (Get-Command -Name New-NetFirewallRule -ErrorAction SilentlyContinue)
    {
        return 'netsecurity'
    }
    $policy = $null
    try
    {
        $policy = New-Object -ComObject HNetCfg.FwPolicy2
    }
    catch
    {
        $policy = $null
    }
    if ($null -ne $policy)
    {
        return 'com'
    }
    throw (New-Object System.InvalidOperationException 'Windows Firewall with Advanced Security is not available on this host (it comes with Windows Server 2008): remediate cannot read its rules')
}

# Writes go through the NetSecurity cmdlets only: on 2008/2008 R2 they would need netsh and a command line
# built from the values, so those hosts are report-only.
function Confirm-FirewallWritable
{
    $api = Get-FirewallApi
    if (-not ($api -ceq 'netsecurity'))
    {
        throw (New-Object System.InvalidOperationException 'this host has no NetSecurity cmdlets (Windows Server 2012 or later): remediate reads the firewall of Windows Server 2008/2008 R2 but does not change it')
    }
}

function Get-FirewallName
{
    param($OpArgs)
    [string]$name = Get-TextArg $OpArgs 'name'
    if ($name.Length -eq 0)
    {
        throw (New-ArgumentError "argument 'name' must not be empty")
    }
    return $name
}

# The one rule whose display name equals $Name (case-insensitively), $null for none; several is an error.
function Select-FirewallRule
{
    param([string]$Name, $Rules, [string]$Property)
    $key = $Name.ToUpperInvariant()
    $found = New-Object System.Collections.ArrayList
    foreach ($rule in $Rules)
    {
        $text = [string]$rule.$Property
        if ($text.ToUpperInvariant() -ceq $key)
        {
            [void]$found.Add($rule)
        }
    }
    if ($found.Count -gt 1)
    {
        throw (New-Object System.InvalidOperationException ([string]$found.Count + " firewall rules are named '" + $Name + "': remediate manages a rule only when its display name is unique; rename or remove the extra rules by hand"))
    }
    if ($found.Count -eq 1)
    {
        return $found[0]
    }
    return $null
}

# The NetSecurity rule (persistent store) with that display name, $null for none.
function Find-NetSecurityRule
{
    param([string]$Name)
    return (Select-FirewallRule $Name @(Get-NetFirewallRule) 'DisplayName')
}

function ConvertFrom-NetSecurityRule
{
    param($Rule)
    $p = @{}
    $p['AssociatedNetFirewallRule'] = $Rule
    $filter = Get-NetFirewallPortFilter @p
    $direction = 'out'
    if ([string]$Rule.Direction -ceq 'Inbound')
    {
        $direction = 'in'
    }
    $value = @{ exists = $true; direction = $direction; protocol = [string]$filter.Protocol }
    $value['local_port'] = (@($filter.LocalPort) -join ',')
    $value['action'] = ([string]$Rule.Action).ToLowerInvariant()
    # Enabled is NetSecurity's own enum whose names are True and False, not a [bool].
    $value['enabled'] = ([string]$Rule.Enabled -ceq 'True')
    return $value
}

# INetFwRule: Direction 1 in / 2 out, Protocol 6 TCP / 17 UDP / 256 any, Action 1 allow / 0 block.
function ConvertFrom-ComRule
{
    param($Rule)
    $direction = 'out'
    if ($Rule.Direction -eq 1)
    {
        $direction = 'in'
    }
    $protocol = [string]$Rule.Protocol
    if ($Rule.Protocol -eq 6)
    {
        $protocol = 'TCP'
    }
    elseif ($Rule.Protocol -eq 17)
    {
        $protocol = 'UDP'
    }
    elseif ($Rule.Protocol -eq 256)
    {
        $protocol = 'Any'
    }
    $ports = [string]$Rule.LocalPorts
    if ($ports.Length -eq 0 -or $ports -ceq '*')
    {
        $ports = 'Any'
    }
    $action = 'block'
    if ($Rule.Action -eq 1)
    {
        $action = 'allow'
    }
    $value = @{ exists = $true; direction = $direction; protocol = $protocol; local_port = $ports; action = $action }
    $value['enabled'] = [bool]$Rule.Enabled
    return $value
}

function Get-FirewallRuleState
{
    param($OpArgs)
    [string]$name = Get-FirewallName $OpArgs
    $api = Get-FirewallApi
    if ($api -ceq 'netsecurity')
    {
        $rule = Find-NetSecurityRule $name
        if ($null -eq $rule)
        {
            return @{ exists = $false }
        }
        return (ConvertFrom-NetSecurityRule $rule)
    }
    $policy = New-Object -ComObject HNetCfg.FwPolicy2
    $rule = Select-FirewallRule $name $policy.Rules 'Name'
    if ($null -eq $rule)
    {
        return @{ exists = $false }
    }
    return (ConvertFrom-ComRule $rule)
}

# The NetSecurity parameters of a rule's fields (the wire form of firewall_rule), checked before any change.
function Get-FirewallParameters
{
    param($OpArgs)
    $p = @{}
    [string]$direction = Get-TextArg $OpArgs 'direction'
    if ($direction -ceq 'in')
    {
        $p['Direction'] = 'Inbound'
    }
    elseif ($direction -ceq 'out')
    {
        $p['Direction'] = 'Outbound'
    }
    else
    {
        throw (New-ArgumentError "argument 'direction' must be in or out")
    }
    [string]$protocol = Get-TextArg $OpArgs 'protocol'
    if (-not ($protocol -cmatch '^[A-Za-z0-9]+\z'))
    {
        throw (New-ArgumentError "argument 'protocol' must be a protocol name or number such as TCP")
    }
    $p['Protocol'] = $protocol
    [string]$ports = Get-TextArg $OpArgs 'local_port'
    if (-not ($ports -cmatch '^[A-Za-z0-9-]+(,[A-Za-z0-9-]+)*\z'))
    {
        throw (New-ArgumentError "argument 'local_port' must be ports, ranges or keywords separated by commas")
    }
    $p['LocalPort'] = [string[]]($ports.Split(','))
    [string]$action = Get-TextArg $OpArgs 'action'
    if ($action -ceq 'allow')
    {
        $p['Action'] = 'Allow'
    }
    elseif ($action -ceq 'block')
    {
        $p['Action'] = 'Block'
    }
    else
    {
        throw (New-ArgumentError "argument 'action' must be allow or block")
    }
    $enabled = $OpArgs['enabled']
    if (-not ($enabled -is [bool]))
    {
        throw (New-ArgumentError "argument 'enabled' must be true or false")
    }
    $p['Enabled'] = 'False'
    if ($enabled)
    {
        $p['Enabled'] = 'True'
    }
    return $p
}

# Creates the rule, or changes the one rule with that display name in place (the name is remediate's).
function Set-FirewallRuleState
{
    param($OpArgs)
    [string]$name = Get-FirewallName $OpArgs
    $p = Get-FirewallParameters $OpArgs
    Confirm-FirewallWritable
    $rule = Find-NetSecurityRule $name
    if ($null -eq $rule)
    {
        $p['DisplayName'] = $name
        [void](New-NetFirewallRule @p)
        return $null
    }
    $p['InputObject'] = $rule
    Set-NetFirewallRule @p
    return $null
}

function Remove-FirewallRuleState
{
    param($OpArgs)
    [string]$name = Get-FirewallName $OpArgs
    Confirm-FirewallWritable
    $rule = Find-NetSecurityRule $name
    if ($null -ne $rule)
    {
        $p = @{}
        $p['InputObject'] = $rule
        Remove-NetFirewallRule @p
    }
    return $null
}
