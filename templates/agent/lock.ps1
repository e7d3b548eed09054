# Host lock (docs/agent-protocol.md, "Locking"): one apply at a time per host, across workstations.
# The lock is a file, <CommonApplicationData>\remediate\apply.lock, holding one ASCII JSON record
# {"acquired_utc", "expires_utc", "owner", "run_id"}. FileMode.CreateNew lets exactly one of two racing agents
# create it; an existing file is only read and replaced while open with FileShare.None, so two agents can never
# both find it free. Invoke-LockedApply is called by Invoke-AgentRequest for an apply request with a "lock".
#op lock.get Get-HostLock
#op lock.release Remove-HostLock

function Get-LockPath
{
    # 'CommonApplicationData' converts to the enum: C:\ProgramData, or All Users\Application Data on 2003.
    $base = [System.Environment]::GetFolderPath('CommonApplicationData')
    return [System.IO.Path]::Combine([System.IO.Path]::Combine($base, 'remediate'), 'apply.lock')
}

function Get-UtcText
{
    param([System.DateTime]$When)
    return $When.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", [System.Globalization.CultureInfo]::InvariantCulture)
}

# The lock record a lock file's text holds, with 'expired' as of $Now; $null when the text is not a lock
# record (an empty or corrupt file counts as no valid lock, and the next apply replaces it).
function ConvertTo-LockRecord
{
    param([string]$Text, [System.DateTime]$Now)
    try
    {
        $data = ConvertFrom-AgentJson $Text
    }
    catch
    {
        return $null
    }
    if (-not ($data -is [System.Collections.IDictionary]))
    {
        return $null
    }
    foreach ($name in @('run_id', 'owner', 'acquired_utc', 'expires_utc'))
    {
        if (-not ($data[$name] -is [string]))
        {
            return $null
        }
    }
    $expires = [System.DateTime]::MinValue
    $styles = [System.Globalization.DateTimeStyles]::AdjustToUniversal -bor [System.Globalization.DateTimeStyles]::AssumeUniversal
    $culture = [System.Globalization.CultureInfo]::InvariantCulture
    if (-not [System.DateTime]::TryParseExact($data['expires_utc'], "yyyy-MM-dd'T'HH:mm:ss'Z'", $culture, $styles, [ref]$expires))
    {
        return $null
    }
    return @{ run_id = $data['run_id']; owner = $data['owner']; acquired_utc = $data['acquired_utc']; expires_utc = $data['expires_utc']; expired = ($Now -ge $expires) }
}

function Read-LockStream
{
    param($Stream)
    $bytes = [System.Array]::CreateInstance([byte], [int]$Stream.Length)
    $done = 0
    while ($done -lt $bytes.Length)
    {
        $count = $Stream.Read($bytes, $done, $bytes.Length - $done)
        if ($count -le 0)
        {
            break
        }
        $done = $done + $count
    }
    return [System.Text.Encoding]::ASCII.GetString($bytes, 0, $done)
}

function Write-LockStream
{
    param($Stream, [string]$Text)
    $bytes = [System.Text.Encoding]::ASCII.GetBytes($Text)
    [void]$Stream.Seek(0, [System.IO.SeekOrigin]::Begin)
    $Stream.SetLength(0)
    $Stream.Write($bytes, 0, $bytes.Length)
    $Stream.Flush()
}

# Takes the lock for the request's run. Returns @{ state = 'held'; taken_over = RECORD or $null } when this
# command now holds it, or @{ state = 'locked'; holder = RECORD } when another run holds an unexpired lock.
# An unexpired lock of the same run id is taken again (a repeated command of one run). Throws on bad arguments,
# or when the file stays unusable (in use, access refused) for about five seconds.
function Enter-HostLock
{
    param($Lock)
    [string]$runId = Get-TextArg $Lock 'run_id'
    [string]$owner = Get-TextArg $Lock 'owner'
    if ($runId.Length -lt 1 -or $runId.Length -gt 128)
    {
        throw (New-ArgumentError "argument 'run_id' must be 1 to 128 characters")
    }
    if ($owner.Length -lt 1 -or $owner.Length -gt 256)
    {
        throw (New-ArgumentError "argument 'owner' must be 1 to 256 characters")
    }
    $ttl = $Lock['ttl_seconds']
    if (-not ($ttl -is [long]) -or $ttl -lt 1 -or $ttl -gt 86400)
    {
        throw (New-ArgumentError "argument 'ttl_seconds' must be an integer from 1 to 86400")
    }
    $path = Get-LockPath
    [void][System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName($path))
    $lastError = $null
    for ($attempt = 0; $attempt -lt 50; $attempt++)
    {
        $now = [System.DateTime]::UtcNow
        $mine = @{ run_id = $runId; owner = $owner; acquired_utc = (Get-UtcText $now); expires_utc = (Get-UtcText $now.AddSeconds($ttl)) }
        $stream = $null
        $created = $false
        try
        {
            if ([System.IO.File]::Exists($path))
            {
                $stream = [System.IO.File]::Open($path, [System.IO.FileMode]::Open, [System.IO.FileAccess]::ReadWrite, [System.IO.FileShare]::None)
            }
            else
            {
                $stream = [System.IO.File]::Open($path, [System.IO.FileMode]::CreateNew, [System.IO.FileAccess]::ReadWrite, [System.IO.FileShare]::None)
                $created = $true
            }
        }
        catch
        {
            # Another agent has the file open, created it first, or just deleted it: look again shortly.
            $lastError = $_
            [System.Threading.Thread]::Sleep(100)
            continue
        }
        try
        {
            $previous = $null
            if (-not $created)
            {
                $previous = ConvertTo-LockRecord (Read-LockStream $stream) $now
            }
            if ($null -ne $previous -and -not $previous['expired'] -and $previous['run_id'] -cne $runId)
            {
                return @{ state = 'locked'; holder = $previous }
            }
            Write-LockStream $stream (ConvertTo-AgentJson $mine)
            # This run's own live lock is simply renewed; its own expired one was open to others meanwhile and is
            # reported as taken over, as any expired lock is.
            if ($null -ne $previous -and $previous['run_id'] -ceq $runId -and -not $previous['expired'])
            {
                $previous = $null
            }
            return @{ state = 'held'; taken_over = $previous }
        }
        finally
        {
            $stream.Close()
        }
    }
    throw $lastError
}

# Deletes the lock file when it holds run $RunId: @{ released = $true; holder = RECORD }. Otherwise nothing is
# deleted: @{ released = $false; holder = RECORD or $null (no lock file, or not a lock record) }. The file is held
# with FileShare.Delete while it is read and deleted, so nobody can replace it in between.
function Remove-LockOf
{
    param([string]$RunId)
    $path = Get-LockPath
    $lastError = $null
    for ($attempt = 0; $attempt -lt 50; $attempt++)
    {
        if (-not [System.IO.File]::Exists($path))
        {
            return @{ released = $false; holder = $null }
        }
        $stream = $null
        try
        {
            $stream = [System.IO.File]::Open($path, [System.IO.FileMode]::Open, [System.IO.FileAccess]::ReadWrite, [System.IO.FileShare]::Delete)
        }
        catch
        {
            $lastError = $_
            [System.Threading.Thread]::Sleep(100)
            continue
        }
        try
        {
            $record = ConvertTo-LockRecord (Read-LockStream $stream) ([System.DateTime]::UtcNow)
            if ($null -eq $record -or $record['run_id'] -cne $RunId)
            {
                return @{ released = $false; holder = $record }
            }
            [System.IO.File]::Delete($path)
            return @{ released = $true; holder = $record }
        }
        finally
        {
            $stream.Close()
        }
    }
    throw $lastError
}

function New-LockAnswer
{
    param([string]$Outcome, [object[]]$Changes, [string]$Field, $Value)
    $out = New-Object System.Collections.ArrayList
    foreach ($change in $Changes)
    {
        [void]$out.Add((New-ChangeResult $change 'not_attempted' $null $null))
    }
    $answer = @{ version = $ProtocolVersion; outcome = $Outcome; changes = $out.ToArray() }
    $answer[$Field] = $Value
    return $answer
}

# Apply mode under the host lock: take it, apply, and release it whatever the apply did (applied, stale,
# reverted). The answer says whether an expired lock was taken over and whether the release worked.
function Invoke-LockedApply
{
    param([object[]]$Changes, $Lock)
    try
    {
        $entered = Enter-HostLock $Lock
    }
    catch
    {
        return (New-LockAnswer 'lock_error' $Changes 'error' (ConvertTo-AgentError $_))
    }
    if ($entered['state'] -ceq 'locked')
    {
        return (New-LockAnswer 'locked' $Changes 'holder' $entered['holder'])
    }
    $released = @{ released = $false; error = $null }
    try
    {
        $answer = Invoke-ApplyMode $Changes
    }
    finally
    {
        try
        {
            $release = Remove-LockOf ([string]$Lock['run_id'])
            $released = @{ released = $release['released']; error = $null }
        }
        catch
        {
            $released = @{ released = $false; error = (ConvertTo-AgentError $_) }
        }
    }
    $answer['lock'] = @{ taken_over = $entered['taken_over']; released = $released['released']; error = $released['error'] }
    return $answer
}

function Get-HostLock
{
    param($OpArgs)
    $path = Get-LockPath
    if (-not [System.IO.File]::Exists($path))
    {
        return $null
    }
    $text = [System.IO.File]::ReadAllText($path, [System.Text.Encoding]::ASCII)
    return (ConvertTo-LockRecord $text ([System.DateTime]::UtcNow))
}

function Remove-HostLock
{
    param($OpArgs)
    [string]$runId = Get-TextArg $OpArgs 'run_id'
    return (Remove-LockOf $runId)
}
