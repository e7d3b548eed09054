# IIS 6's MetaBase.xml: is it healthy, and restore it from History (or from remediate's backup on rollback).
# Contract: the docstring of remediate/resources/metabase_health.py. Paths are
# fixed below %SystemRoot%\System32\inetsrv; the only request values are an instance number and a sha256 digest,
# both checked before use.
#op metabasefile.health Get-MetabaseFileHealth
#op metabasefile.restore_history Restore-MetabaseFromHistory
#op metabasefile.restore_backup Restore-MetabaseFromBackup

function Get-MetabaseInstanceArg
{
    param($OpArgs)
    if (-not ($OpArgs -is [System.Collections.IDictionary]))
    {
        throw (New-ArgumentError 'args must be an object')
    }
    $instance = $OpArgs['instance']
    if (-not ($instance -is [long]) -or $instance -lt 1 -or $instance -gt 999999999)
    {
        throw (New-ArgumentError 'instance must be an integer from 1 to 999999999')
    }
    return [long]$instance
}

# %SystemRoot%\System32\inetsrv\<Name>
function Get-InetsrvPath
{
    param([string]$Name)
    $inetsrv = [System.IO.Path]::Combine([System.Environment]::GetFolderPath('System'), 'inetsrv')
    return [System.IO.Path]::Combine($inetsrv, $Name)
}

# SHA256.Create() is SHA256Managed, which .NET refuses on hosts that enforce the FIPS policy; the FIPS-validated
# SHA256CryptoServiceProvider (.NET 3.5, System.Core) is taken where it exists. Without it (Windows Server 2003 with
# .NET 2.0 only) a FIPS host gets .NET's own message, which names the policy.
function New-Sha256
{
    try
    {
        return (New-Object System.Security.Cryptography.SHA256CryptoServiceProvider)
    }
    catch
    {
        return [System.Security.Cryptography.SHA256]::Create()
    }
}

function Get-FileSha256
{
    param([string]$Path)
    $sha = New-Sha256
    try
    {
        $hash = $sha.ComputeHash([System.IO.File]::ReadAllBytes($Path))
    }
    finally
    {
        $sha.Clear()
    }
    return [System.BitConverter]::ToString($hash).Replace('-', '').ToLowerInvariant()
}

# '' when the file parses and holds <IIsSmtpServer Location="/LM/SmtpSvc/<n>">, else what is wrong. The reader's
# defaults refuse a DTD (ProhibitDtd on .NET 2.0, DtdProcessing.Prohibit on 4.x) and no resolver fetches anything.
function Get-MetabaseXmlProblem
{
    param([string]$Path, [long]$Instance)
    if (-not [System.IO.File]::Exists($Path))
    {
        return 'missing'
    }
    $settings = New-Object System.Xml.XmlReaderSettings
    $settings.XmlResolver = $null
    $doc = New-Object System.Xml.XmlDocument
    $reader = [System.Xml.XmlReader]::Create($Path, $settings)
    try
    {
        $doc.Load($reader)
    }
    catch [System.Xml.XmlException]
    {
        return 'unparseable'
    }
    finally
    {
        $reader.Close()
    }
    $want = '/LM/SmtpSvc/' + $Instance.ToString([System.Globalization.CultureInfo]::InvariantCulture)
    # By tag name: the file's elements are in the urn:microsoft-catalog:XML_Metabase_V64_0 default namespace.
    foreach ($node in $doc.GetElementsByTagName('IIsSmtpServer'))
    {
        $location = $node.GetAttribute('Location')
        if ([string]::Equals($location.Trim(), $want, [System.StringComparison]::OrdinalIgnoreCase))
        {
            return ''
        }
    }
    return ('no IIsSmtpServer node at ' + $want)
}

function Get-MetabaseFileHealth
{
    param($OpArgs)
    $instance = Get-MetabaseInstanceArg $OpArgs
    $path = Get-InetsrvPath 'MetaBase.xml'
    $why = Get-MetabaseXmlProblem $path $instance
    if ($why.Length -eq 0)
    {
        return @{ healthy = $true }
    }
    $digest = $null
    if ([System.IO.File]::Exists($path))
    {
        $digest = Get-FileSha256 $path
    }
    return @{ healthy = $false; digest = $digest; problem = $why }
}

# History\MetaBase_<major>_<minor>.xml, newest first (IIS 6 writes one per saved change; TechNet cc785251).
function Get-MetabaseHistoryFiles
{
    $folder = Get-InetsrvPath 'History'
    $keys = New-Object System.Collections.ArrayList
    $files = New-Object System.Collections.ArrayList
    if ([System.IO.Directory]::Exists($folder))
    {
        $options = [System.Text.RegularExpressions.RegexOptions]::IgnoreCase
        foreach ($file in [System.IO.Directory]::GetFiles($folder, 'MetaBase_*.xml'))
        {
            $m = [regex]::Match([System.IO.Path]::GetFileName($file), '^MetaBase_([0-9]{1,10})_([0-9]{1,10})\.xml\z', $options)
            if ($m.Success)
            {
                [void]$keys.Add(('{0:D10}{1:D10}' -f ([long]$m.Groups[1].Value), ([long]$m.Groups[2].Value)))
                [void]$files.Add($file)
            }
        }
    }
    [string[]]$sortKeys = $keys.ToArray([string])
    [string[]]$sorted = $files.ToArray([string])
    [System.Array]::Sort($sortKeys, $sorted, [System.StringComparer]::Ordinal)
    [System.Array]::Reverse($sorted)
    return ,$sorted
}

# Keeps a copy of the file as inetsrv\remediate-backup\MetaBase-<UTC time>-<sha256>.xml (once per content) and
# answers its path, with MetaBase.xml's own ACL.
function Backup-MetabaseFile
{
    param([string]$Path)
    $digest = Get-FileSha256 $Path
    $existing = Find-MetabaseBackup $digest
    if ($null -ne $existing)
    {
        return $existing
    }
    $folder = Get-InetsrvPath 'remediate-backup'
    [void][System.IO.Directory]::CreateDirectory($folder)
    $stamp = [System.DateTime]::UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", [System.Globalization.CultureInfo]::InvariantCulture)
    $target = [System.IO.Path]::Combine($folder, 'MetaBase-' + $stamp + '-' + $digest + '.xml')
    [System.IO.File]::Copy($Path, $target, $false)
    # File.Copy gives the copy its folder's inherited ACL, not MetaBase.xml's own (the metabase holds secrets): the
    # source's effective ACL is set on the copy, protected from inheritance.
    $acl = [System.IO.File]::GetAccessControl($Path)
    $acl.SetAccessRuleProtection($true, $true)
    [System.IO.File]::SetAccessControl($target, $acl)
    return $target
}

# The backup whose content has this sha256 (checked, not trusted from the name), or $null.
function Find-MetabaseBackup
{
    param([string]$Digest)
    $folder = Get-InetsrvPath 'remediate-backup'
    if (-not [System.IO.Directory]::Exists($folder))
    {
        return $null
    }
    $names = [System.IO.Directory]::GetFiles($folder, 'MetaBase-*-' + $Digest + '.xml')
    [System.Array]::Sort($names, [System.StringComparer]::Ordinal)
    foreach ($candidate in $names)
    {
        if ((Get-FileSha256 $candidate) -ceq $Digest)
        {
            return $candidate
        }
    }
    return $null
}

# IIS 6 reads MetaBase.xml when IISADMIN starts and writes it back from memory, so the file is replaced with
# IISADMIN stopped: its dependents (SMTPSVC, W3SVC, Exchange's protocol services) stop with it and those that were
# running are started again, in reverse stop order, whether or not the copy worked.
function Copy-MetabaseWithIisStopped
{
    param([string]$Source, [string]$Target)
    $iis = Get-Service -Name 'IISADMIN'
    $running = New-Object System.Collections.ArrayList
    foreach ($dependent in $iis.DependentServices)
    {
        if ($dependent.Status.ToString() -ceq 'Running')
        {
            [void]$running.Add([string]$dependent.ServiceName)
        }
    }
    $restart = New-Object System.Collections.ArrayList
    [void]$restart.Add('IISADMIN')
    for ($i = $running.Count - 1; $i -ge 0; $i--)
    {
        [void]$restart.Add([string]$running[$i])
    }
    $restartError = $null
    try
    {
        # Inside the try: a dependent that refuses to stop throws here under 'Stop', and the finally must still
        # start IIS Admin and the services that were running (SMTP among them).
        Stop-Service -Name 'IISADMIN' -Force
        [System.IO.File]::Copy($Source, $Target, $true)
    }
    finally
    {
        # Each start on its own: one that fails must not leave the others stopped.
        foreach ($name in $restart)
        {
            try
            {
                Start-Service -Name $name
            }
            catch
            {
                if ($null -eq $restartError)
                {
                    $restartError = $_
                }
            }
        }
    }
    if ($null -ne $restartError)
    {
        throw $restartError
    }
}

function Restore-MetabaseFromHistory
{
    param($OpArgs)
    $instance = Get-MetabaseInstanceArg $OpArgs
    $path = Get-InetsrvPath 'MetaBase.xml'
    if ((Get-MetabaseXmlProblem $path $instance).Length -eq 0)
    {
        return $null
    }
    $good = $null
    foreach ($candidate in (Get-MetabaseHistoryFiles))
    {
        if ($null -eq $good -and (Get-MetabaseXmlProblem $candidate $instance).Length -eq 0)
        {
            $good = $candidate
        }
    }
    if ($null -eq $good)
    {
        $number = $instance.ToString([System.Globalization.CultureInfo]::InvariantCulture)
        throw (New-Object System.InvalidOperationException ('no History copy of MetaBase.xml is healthy (parses and holds /LM/SmtpSvc/' + $number + '); restore the metabase by hand'))
    }
    if ([System.IO.File]::Exists($path))
    {
        [void](Backup-MetabaseFile $path)
    }
    Copy-MetabaseWithIisStopped $good $path
    return $null
}

function Restore-MetabaseFromBackup
{
    param($OpArgs)
    if (-not ($OpArgs -is [System.Collections.IDictionary]))
    {
        throw (New-ArgumentError 'args must be an object')
    }
    $digest = $OpArgs['digest']
    if ($null -eq $digest)
    {
        throw (New-ArgumentError 'MetaBase.xml was missing before; a rollback does not delete the file')
    }
    if (-not ($digest -is [string]) -or -not ($digest -cmatch '^[0-9a-f]{64}\z'))
    {
        throw (New-ArgumentError 'digest must be 64 lowercase hex digits (sha256)')
    }
    $path = Get-InetsrvPath 'MetaBase.xml'
    $exists = [System.IO.File]::Exists($path)
    if ($exists -and (Get-FileSha256 $path) -ceq $digest)
    {
        return $null
    }
    $backup = Find-MetabaseBackup $digest
    if ($null -eq $backup)
    {
        throw (New-Object System.InvalidOperationException ('no backup of MetaBase.xml with sha256 ' + $digest + ' in inetsrv\remediate-backup'))
    }
    if ($exists)
    {
        [void](Backup-MetabaseFile $path)
    }
    Copy-MetabaseWithIisStopped $backup $path
    return $null
}
