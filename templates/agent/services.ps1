# Windows services (remediate/resources/windows_service.py).
#op service.get Get-ServiceState
#op service.set Set-ServiceState

# Service names never reach a cmdlet as a pattern: * ? [ ] are refused, so Get-Service -Name looks up one name.
function Get-ServiceNameArg
{
    param($OpArgs)
    [string]$name = Get-TextArg $OpArgs 'name'
    if ($name.Length -eq 0 -or $name -cmatch '[\x00-\x1f\x7f/\\*?\[\]]')
    {
        throw (New-ArgumentError "argument 'name' must be a service name without / \ * ? [ ] or control characters")
    }
    return $name
}

# The service whose service name is $Name, or $null when none is installed. Get-Service also resolves display
# names; a service found that way is another service, so it counts as not found. Errors other than "not found"
# are thrown: a service that cannot be queried must not read as absent.
function Find-ServiceByName
{
    param([string]$Name)
    $problems = $null
    $found = @(Get-Service -Name $Name -ErrorAction SilentlyContinue -ErrorVariable problems)
    foreach ($problem in @($problems))
    {
        if ($null -ne $problem -and -not ([string]$problem.FullyQualifiedErrorId).StartsWith('NoServiceFoundForGivenName', [System.StringComparison]::Ordinal))
        {
            throw $problem.Exception
        }
    }
    foreach ($service in $found)
    {
        if (([string]$service.ServiceName).ToUpperInvariant() -ceq $Name.ToUpperInvariant())
        {
            return $service
        }
    }
    return $null
}

# Get-Service's Status in snake case: Running -> running, StartPending -> start_pending.
function ConvertTo-ServiceStateName
{
    param([string]$Status)
    $names = @{ Stopped = 'stopped'; StartPending = 'start_pending'; StopPending = 'stop_pending'; Running = 'running' }
    $names['ContinuePending'] = 'continue_pending'
    $names['PausePending'] = 'pause_pending'
    $names['Paused'] = 'paused'
    if ($names.ContainsKey($Status))
    {
        return $names[$Status]
    }
    return $Status.ToLowerInvariant()
}

# The start type the Service Control Manager keeps in the service's Start value (0 boot, 1 system, 2 automatic,
# 3 manual, 4 disabled): what WMI's Win32_Service.StartMode reports, read without a WQL query built from a name.
function Get-ServiceStartMode
{
    param([string]$ServiceName)
    $key = [Microsoft.Win32.Registry]::LocalMachine.OpenSubKey('SYSTEM\CurrentControlSet\Services\' + $ServiceName, $false)
    if ($null -eq $key)
    {
        return 'unknown'
    }
    try
    {
        $start = $key.GetValue('Start')
    }
    finally
    {
        $key.Close()
    }
    $modes = @('boot', 'system', 'auto', 'manual', 'disabled')
    if ($start -is [int] -and $start -ge 0 -and $start -le 4)
    {
        return $modes[$start]
    }
    return 'unknown'
}

function Get-ServiceFieldsArg
{
    param($OpArgs)
    $fields = $OpArgs['fields']
    $valid = $fields -is [System.Array]
    if ($valid)
    {
        foreach ($field in $fields)
        {
            if (-not ($field -is [string]) -or -not ($field -ceq 'state' -or $field -ceq 'start_mode'))
            {
                $valid = $false
            }
        }
    }
    if (-not $valid)
    {
        throw (New-ArgumentError "argument 'fields' must be a list of 'state' and 'start_mode'")
    }
    return ,$fields
}

function Get-ServiceState
{
    param($OpArgs)
    [string]$name = Get-ServiceNameArg $OpArgs
    $fields = Get-ServiceFieldsArg $OpArgs
    $service = Find-ServiceByName $name
    if ($null -eq $service)
    {
        return @{ exists = $false }
    }
    $value = @{ exists = $true }
    foreach ($field in $fields)
    {
        if ($field -ceq 'state')
        {
            $value['state'] = ConvertTo-ServiceStateName ([string]$service.Status)
        }
        else
        {
            $value['start_mode'] = Get-ServiceStartMode ([string]$service.ServiceName)
        }
    }
    return $value
}

# An optional argument that must be one of $Allowed (compared case-sensitively); $null when not given.
function Get-ServiceOptionArg
{
    param($OpArgs, [string]$Name, [string[]]$Allowed)
    $value = $OpArgs[$Name]
    if ($null -eq $value)
    {
        return $null
    }
    foreach ($item in $Allowed)
    {
        if ($value -is [string] -and $value -ceq $item)
        {
            return $value
        }
    }
    throw (New-ArgumentError ("argument '" + $Name + "' must be one of " + ($Allowed -join ', ')))
}

# Start mode first, then the state, so a disabled service can be enabled and started by one change. No -Force:
# stopping a service that running services depend on fails, as Windows' own rule says.
function Set-ServiceState
{
    param($OpArgs)
    [string]$name = Get-ServiceNameArg $OpArgs
    $exists = $OpArgs['exists']
    if (-not ($exists -is [bool]))
    {
        throw (New-ArgumentError "argument 'exists' must be true or false")
    }
    $state = Get-ServiceOptionArg $OpArgs 'state' @('running', 'stopped')
    $mode = Get-ServiceOptionArg $OpArgs 'start_mode' @('auto', 'manual', 'disabled')
    $service = Find-ServiceByName $name
    if ($null -eq $service)
    {
        if ($exists)
        {
            throw (New-Object System.InvalidOperationException ("Cannot find any service with service name '" + $name + "'."))
        }
        return $null
    }
    if (-not $exists)
    {
        throw (New-ArgumentError ("remediate does not delete services: remove '" + $service.ServiceName + "' by hand or with its product's uninstaller"))
    }
    if ($null -ne $mode)
    {
        $startup = @{ auto = 'Automatic'; manual = 'Manual'; disabled = 'Disabled' }
        $p = @{}
        $p['Name'] = [string]$service.ServiceName
        $p['StartupType'] = $startup[$mode]
        Set-Service @p
    }
    $q = @{}
    $q['InputObject'] = $service
    if ($state -ceq 'running')
    {
        Start-Service @q
    }
    elseif ($state -ceq 'stopped')
    {
        Stop-Service @q
    }
    return $null
}
