# IIS 5/6 SMTP metabase properties over ADSI (IIS://localhost/SmtpSvc[/n]). Contract: the docstring of
# remediate/resources/iis_metabase_property.py. The ADSI path is built from the checked path's instance
# number only; the property name is checked to be letters and digits; values go to Put as data.
#op metabase.get Get-MetabaseProperty
#op metabase.set Set-MetabaseProperty
#op metabase.clear Clear-MetabaseProperty

# The checked location of a request: Canonical ('/LM/SMTPSVC/1'), Relative ('/SmtpSvc/1', below IIS://localhost)
# and Property.
function Get-MetabaseWhere
{
    param($OpArgs)
    [string]$path = Get-TextArg $OpArgs 'path'
    $options = [System.Text.RegularExpressions.RegexOptions]::IgnoreCase
    $m = [regex]::Match($path, '^/LM/SMTPSVC(?:/([1-9][0-9]{0,8}))?\z', $options)
    if (-not $m.Success)
    {
        throw (New-ArgumentError 'metabase path must be /LM/SMTPSVC or /LM/SMTPSVC/<instance number>')
    }
    $canonical = '/LM/SMTPSVC'
    $relative = '/SmtpSvc'
    if ($m.Groups[1].Success)
    {
        $number = ([long]$m.Groups[1].Value).ToString([System.Globalization.CultureInfo]::InvariantCulture)
        $canonical = $canonical + '/' + $number
        $relative = $relative + '/' + $number
    }
    [string]$property = Get-TextArg $OpArgs 'property'
    if (-not ($property -cmatch '^[A-Za-z][A-Za-z0-9]{0,63}\z'))
    {
        throw (New-ArgumentError 'metabase property name must be letters and digits, starting with a letter')
    }
    return @{ Canonical = $canonical; Relative = $relative; Property = $property }
}

function Get-MetabaseEntry
{
    param($Where)
    $adsPath = 'IIS://localhost' + $Where['Relative']
    if (-not [System.DirectoryServices.DirectoryEntry]::Exists($adsPath))
    {
        throw (New-Object System.InvalidOperationException ('metabase path not found: ' + $Where['Canonical']))
    }
    return (New-Object System.DirectoryServices.DirectoryEntry $adsPath)
}

# 'IIS://localhost/SmtpSvc/1' or '/LM/SmtpSvc/1' -> '/SmtpSvc/1': the part below the machine, to compare paths.
function ConvertTo-MetabaseRelative
{
    param([string]$Path)
    $text = $Path.Replace('\', '/').TrimEnd('/')
    $ignoreCase = [System.StringComparison]::OrdinalIgnoreCase
    if ($text.StartsWith('IIS://', $ignoreCase))
    {
        $slash = $text.IndexOf('/', 6)
        if ($slash -lt 0)
        {
            return ''
        }
        return $text.Substring($slash)
    }
    if ($text.StartsWith('/LM', $ignoreCase))
    {
        return $text.Substring(3)
    }
    return $text
}

# Whether the property is set on this very node. GetDataPaths lists the nodes at or below the object that hold
# the property themselves (inherited values are not listed; IIS 6 SDK ms524960, IMSAdminBase::GetDataPaths).
function Test-MetabaseLocal
{
    param($Entry, $Where)
    try
    {
        $paths = @($Entry.GetDataPaths($Where['Property'], 0))
    }
    catch
    {
        $e = $_.Exception
        while ($e -is [System.Management.Automation.MethodException] -and $null -ne $e.InnerException)
        {
            $e = $e.InnerException
        }
        # MD_ERROR_DATA_NOT_FOUND (0x800CC801): set nowhere at or below this node.
        if ($e -is [System.Runtime.InteropServices.COMException] -and $e.ErrorCode -eq -2146646015)
        {
            return $false
        }
        throw
    }
    foreach ($found in $paths)
    {
        $relative = ConvertTo-MetabaseRelative ([string]$found)
        if ([string]::Equals($relative, $Where['Relative'], [System.StringComparison]::OrdinalIgnoreCase))
        {
            return $true
        }
    }
    return $false
}

function Get-MetabaseProperty
{
    param($OpArgs)
    $where = Get-MetabaseWhere $OpArgs
    $entry = Get-MetabaseEntry $where
    if (-not (Test-MetabaseLocal $entry $where))
    {
        return @{ local = $false }
    }
    $value = $entry.Get($where['Property'])
    if ($value -is [string])
    {
        return @{ local = $true; type = 'STRING'; value = [string]$value }
    }
    if ($value -is [int])
    {
        # ADSI hands a DWORD over as a signed Int32; the wire carries the unsigned value.
        $unsigned = [System.BitConverter]::ToUInt32([System.BitConverter]::GetBytes([int]$value), 0)
        return @{ local = $true; type = 'DWORD'; value = [long]$unsigned }
    }
    if ($value -is [long] -or $value -is [System.UInt32])
    {
        return @{ local = $true; type = 'DWORD'; value = [long]$value }
    }
    throw (New-ArgumentError ('metabase property ' + $where['Property'] + ' is neither a STRING nor a DWORD'))
}

# The .NET value ADSI's Put takes for a wire (type, value) pair; checks first, so bad data fails before binding.
function ConvertTo-MetabaseData
{
    param([string]$Type, $Data)
    if ($Type -ceq 'STRING')
    {
        if (-not ($Data -is [string]) -or $Data.IndexOf([char]0) -ge 0)
        {
            throw (New-ArgumentError 'STRING value must be a string without NUL characters')
        }
        return [string]$Data
    }
    if ($Type -ceq 'DWORD')
    {
        if (-not ($Data -is [long]) -or $Data -lt 0 -or $Data -gt 4294967295)
        {
            throw (New-ArgumentError 'DWORD value must be an integer from 0 to 4294967295')
        }
        $signed = [System.BitConverter]::ToInt32([System.BitConverter]::GetBytes([uint32]$Data), 0)
        return [int]$signed
    }
    throw (New-ArgumentError 'metabase type must be STRING or DWORD')
}

function Set-MetabaseProperty
{
    param($OpArgs)
    $where = Get-MetabaseWhere $OpArgs
    [string]$type = Get-TextArg $OpArgs 'type'
    $data = ConvertTo-MetabaseData $type $OpArgs['value']
    $entry = Get-MetabaseEntry $where
    # ADSI methods called through PowerShell's DirectoryEntry adapter return their COM result ($null), which would
    # join the function's output.
    [void]$entry.Put($where['Property'], $data)
    [void]$entry.SetInfo()
    return $null
}

# ADS_PROPERTY_CLEAR (1) removes the node's own value, so the parent's applies again. Only a value that is set
# is cleared: clearing nothing is no change.
function Clear-MetabaseProperty
{
    param($OpArgs)
    $where = Get-MetabaseWhere $OpArgs
    $entry = Get-MetabaseEntry $where
    if (Test-MetabaseLocal $entry $where)
    {
        [void]$entry.PutEx(1, $where['Property'], $null)
        [void]$entry.SetInfo()
    }
    return $null
}
