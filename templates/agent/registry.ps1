# Registry ops (docs/agent-protocol.md: registry.get / registry.set / registry.remove).
#op registry.get Get-RegistryValue
#op registry.set Set-RegistryValue
#op registry.remove Remove-RegistryValue

function Get-HiveKey
{
    param($OpArgs)
    [string]$hive = Get-TextArg $OpArgs 'hive'
    if ($hive -ceq 'HKLM')
    {
        return [Microsoft.Win32.Registry]::LocalMachine
    }
    if ($hive -ceq 'HKCU')
    {
        return [Microsoft.Win32.Registry]::CurrentUser
    }
    if ($hive -ceq 'HKU')
    {
        return [Microsoft.Win32.Registry]::Users
    }
    if ($hive -ceq 'HKCR')
    {
        return [Microsoft.Win32.Registry]::ClassesRoot
    }
    if ($hive -ceq 'HKCC')
    {
        return [Microsoft.Win32.Registry]::CurrentConfig
    }
    throw (New-ArgumentError ("unknown hive '" + $hive + "'"))
}

function ConvertTo-Hex
{
    param([byte[]]$Bytes)
    return [System.BitConverter]::ToString($Bytes).Replace('-', '').ToLowerInvariant()
}

function ConvertFrom-Hex
{
    param([string]$Type, $Data)
    if (-not ($Data -is [string]) -or -not ($Data -cmatch '^(?:[0-9a-fA-F]{2})*\z'))
    {
        throw (New-ArgumentError ($Type + ' data must be a hex string of whole bytes'))
    }
    $bytes = [System.Array]::CreateInstance([byte], [int]($Data.Length / 2))
    for ($i = 0; $i -lt $bytes.Length; $i++)
    {
        $bytes[$i] = [System.Convert]::ToByte($Data.Substring(2 * $i, 2), 16)
    }
    return ,$bytes
}

# The registry value of a wire (type, data) pair, as a (kind, .NET value) hashtable; validates first, so that
# bad data fails before any key is created. Values are cast here: a raw object, never a pipeline wrapper,
# must reach RegistryKey.SetValue.
function ConvertTo-RegistryData
{
    param([string]$Type, $Data)
    if ($Type -ceq 'REG_SZ' -or $Type -ceq 'REG_EXPAND_SZ')
    {
        if (-not ($Data -is [string]) -or $Data.IndexOf([char]0) -ge 0)
        {
            throw (New-ArgumentError ($Type + ' data must be a string without NUL characters'))
        }
        if ($Type -ceq 'REG_SZ')
        {
            return @{ Kind = [Microsoft.Win32.RegistryValueKind]::String; Value = [string]$Data }
        }
        return @{ Kind = [Microsoft.Win32.RegistryValueKind]::ExpandString; Value = [string]$Data }
    }
    if ($Type -ceq 'REG_MULTI_SZ')
    {
        # An empty string or a NUL inside would end the REG_MULTI_SZ list early for every Win32 reader.
        $valid = $Data -is [System.Array]
        if ($valid)
        {
            foreach ($item in $Data)
            {
                if (-not ($item -is [string]) -or $item.Length -eq 0 -or $item.IndexOf([char]0) -ge 0)
                {
                    $valid = $false
                }
            }
        }
        if (-not $valid)
        {
            throw (New-ArgumentError 'REG_MULTI_SZ data must be an array of non-empty strings without NUL characters')
        }
        return @{ Kind = [Microsoft.Win32.RegistryValueKind]::MultiString; Value = [string[]]$Data }
    }
    if ($Type -ceq 'REG_DWORD')
    {
        if (-not ($Data -is [long]) -or $Data -lt 0 -or $Data -gt 4294967295)
        {
            throw (New-ArgumentError 'REG_DWORD data must be an integer from 0 to 4294967295')
        }
        # .NET writes a DWORD from a signed Int32: same 32 bits as the unsigned wire value.
        $signed = [System.BitConverter]::ToInt32([System.BitConverter]::GetBytes([uint32]$Data), 0)
        return @{ Kind = [Microsoft.Win32.RegistryValueKind]::DWord; Value = [int]$signed }
    }
    if ($Type -ceq 'REG_QWORD')
    {
        $message = 'REG_QWORD data must be a decimal string from 0 to 18446744073709551615'
        if (-not ($Data -is [string]) -or -not ($Data -cmatch '^[0-9]+\z'))
        {
            throw (New-ArgumentError $message)
        }
        try
        {
            $unsigned = [System.UInt64]::Parse($Data, [System.Globalization.NumberStyles]::None, [System.Globalization.CultureInfo]::InvariantCulture)
        }
        catch
        {
            throw (New-ArgumentError $message)
        }
        $signed = [System.BitConverter]::ToInt64([System.BitConverter]::GetBytes([System.UInt64]$unsigned), 0)
        return @{ Kind = [Microsoft.Win32.RegistryValueKind]::QWord; Value = [long]$signed }
    }
    if ($Type -ceq 'REG_BINARY')
    {
        $bytes = ConvertFrom-Hex $Type $Data
        return @{ Kind = [Microsoft.Win32.RegistryValueKind]::Binary; Value = [byte[]]$bytes }
    }
    if ($Type -ceq 'REG_NONE')
    {
        $bytes = ConvertFrom-Hex $Type $Data
        # RegistryValueKind.None exists from .NET 4 on; .NET 2.0 (PowerShell 2.0) cannot write REG_NONE.
        if (-not ([System.Enum]::GetNames([Microsoft.Win32.RegistryValueKind]) -contains 'None'))
        {
            throw (New-ArgumentError 'REG_NONE cannot be written on this .NET version')
        }
        return @{ Kind = [System.Enum]::Parse([Microsoft.Win32.RegistryValueKind], 'None'); Value = [byte[]]$bytes }
    }
    throw (New-ArgumentError ("unknown registry type '" + $Type + "'"))
}

# Microsoft.Win32.RegistryKey, not the registry provider: provider paths treat * ? [ ] as wildcards, and
# value names holding them could not be read or written.
# GetValue answers null both for a missing value and for the kinds .NET does not read (REG_LINK, REG_RESOURCE_LIST,
# REG_FULL_RESOURCE_DESCRIPTOR, REG_RESOURCE_REQUIREMENTS_LIST, unknown numbers): the value's name tells them apart.
function Test-RegistryValueName
{
    param($Key, [string]$Name)
    foreach ($existing in $Key.GetValueNames())
    {
        if ([string]::Equals([string]$existing, $Name, [System.StringComparison]::OrdinalIgnoreCase))
        {
            return $true
        }
    }
    return $false
}

function Get-RegistryValue
{
    param($OpArgs)
    $root = Get-HiveKey $OpArgs
    [string]$path = Get-TextArg $OpArgs 'key'
    [string]$name = Get-TextArg $OpArgs 'name'
    $key = $root.OpenSubKey($path, $false)
    if ($null -eq $key)
    {
        return @{ exists = $false }
    }
    try
    {
        $options = [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames
        $data = $key.GetValue($name, $null, $options)
        $kind = 'None'
        if ($null -ne $data)
        {
            $kind = $key.GetValueKind($name).ToString()
        }
        elseif (-not (Test-RegistryValueName $key $name))
        {
            return @{ exists = $false }
        }
    }
    finally
    {
        $key.Close()
    }
    if ($kind -ceq 'String')
    {
        return @{ exists = $true; type = 'REG_SZ'; data = [string]$data }
    }
    if ($kind -ceq 'ExpandString')
    {
        return @{ exists = $true; type = 'REG_EXPAND_SZ'; data = [string]$data }
    }
    if ($kind -ceq 'MultiString')
    {
        return @{ exists = $true; type = 'REG_MULTI_SZ'; data = [string[]]$data }
    }
    if ($kind -ceq 'DWord')
    {
        # .NET returns the DWORD as a signed Int32; the wire carries the unsigned value.
        $unsigned = [System.BitConverter]::ToUInt32([System.BitConverter]::GetBytes([int]$data), 0)
        return @{ exists = $true; type = 'REG_DWORD'; data = [long]$unsigned }
    }
    if ($kind -ceq 'QWord')
    {
        # A string on the wire: a JSON reader holding numbers as doubles would lose bits above 2^53.
        $unsigned = [System.BitConverter]::ToUInt64([System.BitConverter]::GetBytes([long]$data), 0)
        return @{ exists = $true; type = 'REG_QWORD'; data = $unsigned.ToString([System.Globalization.CultureInfo]::InvariantCulture) }
    }
    $bytes = [byte[]]@()
    if ($data -is [byte[]])
    {
        $bytes = $data
    }
    if ($kind -ceq 'Binary')
    {
        return @{ exists = $true; type = 'REG_BINARY'; data = (ConvertTo-Hex $bytes) }
    }
    return @{ exists = $true; type = 'REG_NONE'; data = (ConvertTo-Hex $bytes) }
}

function Set-RegistryValue
{
    param($OpArgs)
    $root = Get-HiveKey $OpArgs
    [string]$path = Get-TextArg $OpArgs 'key'
    [string]$name = Get-TextArg $OpArgs 'name'
    [string]$type = Get-TextArg $OpArgs 'type'
    $converted = ConvertTo-RegistryData $type $OpArgs['data']
    $key = $root.CreateSubKey($path)
    try
    {
        $key.SetValue($name, $converted['Value'], $converted['Kind'])
    }
    finally
    {
        $key.Close()
    }
    return $null
}

function Remove-RegistryValue
{
    param($OpArgs)
    $root = Get-HiveKey $OpArgs
    [string]$path = Get-TextArg $OpArgs 'key'
    [string]$name = Get-TextArg $OpArgs 'name'
    # A missing key means a missing value: nothing to do, and not an error.
    $key = $root.OpenSubKey($path, $true)
    if ($null -eq $key)
    {
        return $null
    }
    try
    {
        $key.DeleteValue($name, $false)
    }
    finally
    {
        $key.Close()
    }
    return $null
}
