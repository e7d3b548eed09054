# Microsoft Defender Antivirus exclusions (remediate/resources/defender_exclusion.py): one entry per op.
#op defender.get Get-DefenderExclusion
#op defender.add Add-DefenderExclusion
#op defender.remove Remove-DefenderExclusion

# The comparison key of an entry (remediate/resources/wintext.py): a leading \\ kept, other runs of backslashes
# collapsed, a trailing backslash dropped unless the path is a drive root, then upper-cased invariantly.
function ConvertTo-DefenderKey
{
    param([string]$Text)
    $prefix = ''
    $body = $Text
    if ($body.StartsWith('\\', [System.StringComparison]::Ordinal))
    {
        $prefix = '\\'
        $body = $body.Substring(2)
    }
    $body = [regex]::Replace($body, '\\+', '\')
    if ($body.EndsWith('\', [System.StringComparison]::Ordinal) -and -not ($body -cmatch '^[A-Za-z]:\\\z'))
    {
        $body = $body.Substring(0, $body.Length - 1)
    }
    return ($prefix + $body).ToUpperInvariant()
}

# The request's list (ExclusionPath or ExclusionProcess), its value, and the entries equal to the value as they
# are spelt in Defender's list. Arguments are checked before Defender is asked, as the lab does.
function Find-DefenderExclusion
{
    param($OpArgs)
    [string]$type = Get-TextArg $OpArgs 'type'
    [string]$value = Get-TextArg $OpArgs 'value'
    $property = $null
    if ($type -ceq 'path')
    {
        $property = 'ExclusionPath'
    }
    elseif ($type -ceq 'process')
    {
        $property = 'ExclusionProcess'
    }
    else
    {
        throw (New-ArgumentError ("unknown exclusion type '" + $type + "': expected path or process"))
    }
    if ($value.Length -eq 0 -or $value -cmatch '[\x00-\x1f\x7f"<>|]')
    {
        throw (New-ArgumentError 'an exclusion must be a non-empty path or name without control characters or " < > |')
    }
    if (-not (Get-Command -Name Get-MpPreference -ErrorAction SilentlyContinue))
    {
        throw (New-Object System.InvalidOperationException 'Microsoft Defender Antivirus is not installed: Get-MpPreference is not available')
    }
    $preference = Get-MpPreference
    $entries = $preference.ExclusionPath
    if ($property -ceq 'ExclusionProcess')
    {
        $entries = $preference.ExclusionProcess
    }
    $key = ConvertTo-DefenderKey $value
    $matching = New-Object System.Collections.ArrayList
    foreach ($entry in @($entries))
    {
        if ($null -eq $entry)
        {
            continue
        }
        [string]$text = $entry
        # Without administrator rights Defender answers a placeholder instead of the list.
        if ($text.StartsWith('N/A:', [System.StringComparison]::Ordinal))
        {
            throw (New-Object System.UnauthorizedAccessException ('Defender hides its exclusions from this account: ' + $text))
        }
        if ((ConvertTo-DefenderKey $text) -ceq $key)
        {
            [void]$matching.Add($text)
        }
    }
    return @{ Property = $property; Value = $value; Matching = $matching.ToArray() }
}

function Get-DefenderExclusion
{
    param($OpArgs)
    $found = Find-DefenderExclusion $OpArgs
    return @{ exists = ($found['Matching'].Length -gt 0) }
}

# Adds exactly the requested entry, once: an entry already there in any spelling is left as it is.
function Add-DefenderExclusion
{
    param($OpArgs)
    $found = Find-DefenderExclusion $OpArgs
    if ($found['Matching'].Length -gt 0)
    {
        return $null
    }
    $p = @{}
    $p[$found['Property']] = [string[]]@($found['Value'])
    Add-MpPreference @p
    return $null
}

# Removes the entries equal to the value (every spelling of that one folder or process), and nothing else.
function Remove-DefenderExclusion
{
    param($OpArgs)
    $found = Find-DefenderExclusion $OpArgs
    if ($found['Matching'].Length -eq 0)
    {
        return $null
    }
    $p = @{}
    $p[$found['Property']] = [string[]]$found['Matching']
    Remove-MpPreference @p
    return $null
}
