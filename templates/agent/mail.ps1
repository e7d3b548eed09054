# The symptoms of event 4006, read only: how often an event was logged lately, and the mail queues.
# Probes remediate/resources/event_log_probe.py and mail_queue_probe.py. Names from the request reach the cmdlets
# only as parameter values (splatted), and the name pattern leaves out the wildcard characters * ? [ ].
#op eventlog.count Get-EventLogCount
#op queue.list Get-MailQueueList

function Get-MailNameArg
{
    param($OpArgs, [string]$Name)
    [string]$value = Get-TextArg $OpArgs $Name
    if (-not ($value -cmatch '^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}\z'))
    {
        throw (New-ArgumentError ("argument '" + $Name + "' must be 1 to 100 letters, digits, spaces, dots, underscores or hyphens, starting with a letter or digit"))
    }
    return $value
}

# A whole number from the request (the JSON reader gives [long]; a JSON true is a [bool], refused).
function Get-MailIntArg
{
    param($OpArgs, [string]$Name, [long]$Low, [long]$High)
    $value = $OpArgs[$Name]
    if (-not ($value -is [long] -or $value -is [int]))
    {
        throw (New-ArgumentError ("argument '" + $Name + "' must be a whole number " + $Low + '..' + $High))
    }
    if ($value -lt $Low -or $value -gt $High)
    {
        throw (New-ArgumentError ("argument '" + $Name + "' must be a whole number " + $Low + '..' + $High))
    }
    return [long]$value
}

function ConvertTo-MailUtcText
{
    param([System.DateTime]$Time)
    return $Time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", [System.Globalization.CultureInfo]::InvariantCulture)
}

# Whether a cmdlet error only says that nothing matched (an empty answer, not a failure). The error ids are those
# of Get-EventLog ("No matches found") and Get-WinEvent (no events; a source that never wrote to this log); they are
# not listed in a document we could read: an unknown id is thrown, so a mistake here shows as an error, not as 0.
function Test-MailNothingFound
{
    param($Problem)
    $id = [string]$Problem.FullyQualifiedErrorId
    foreach ($prefix in @('GetEventLogNoEntriesFound', 'NoMatchingEventsFound', 'NoMatchingProvidersFound', 'LogsAndProvidersDontOverlap'))
    {
        if ($id.StartsWith($prefix, [System.StringComparison]::Ordinal))
        {
            return $true
        }
    }
    return $false
}

# Windows Server 2003 (PowerShell 2.0, classic event log): Get-EventLog, filtered on the low 16 bits of InstanceId,
# the ID Event Viewer shows and Get-WinEvent's Id matches. Not on EventID: .NET documents it as InstanceId with only
# the two severity bits removed, so the customer and facility bits stay in it.
function Find-MailClassicEventTimes
{
    param([string]$Log, [string]$Source, [long]$EventId, [System.DateTime]$Since)
    $p = @{}
    $p['LogName'] = $Log
    $p['Source'] = $Source
    $p['After'] = $Since
    $problems = $null
    $entries = @(Get-EventLog @p -ErrorAction SilentlyContinue -ErrorVariable problems)
    foreach ($problem in @($problems))
    {
        if ($null -ne $problem -and -not (Test-MailNothingFound $problem))
        {
            throw $problem.Exception
        }
    }
    $times = New-Object System.Collections.ArrayList
    foreach ($entry in $entries)
    {
        if (([long]$entry.InstanceId -band 0xFFFF) -eq $EventId)
        {
            [void]$times.Add($entry.TimeGenerated)
        }
    }
    return ,($times.ToArray())
}

# Vista / Server 2008 and later: Get-WinEvent with a filter hashtable, evaluated by the event log service.
function Find-MailWinEventTimes
{
    param([string]$Log, [string]$Source, [long]$EventId, [System.DateTime]$Since)
    $filter = @{}
    $filter['LogName'] = $Log
    $filter['ProviderName'] = $Source
    $filter['Id'] = [int]$EventId
    $filter['StartTime'] = $Since
    $p = @{}
    $p['FilterHashtable'] = $filter
    $problems = $null
    $entries = @(Get-WinEvent @p -ErrorAction SilentlyContinue -ErrorVariable problems)
    foreach ($problem in @($problems))
    {
        if ($null -ne $problem -and -not (Test-MailNothingFound $problem))
        {
            throw $problem.Exception
        }
    }
    $times = New-Object System.Collections.ArrayList
    foreach ($entry in $entries)
    {
        if ($null -ne $entry.TimeCreated)
        {
            [void]$times.Add($entry.TimeCreated)
        }
    }
    return ,($times.ToArray())
}

function Get-EventLogCount
{
    param($OpArgs)
    [string]$log = Get-MailNameArg $OpArgs 'log'
    [string]$source = Get-MailNameArg $OpArgs 'source'
    $eventId = Get-MailIntArg $OpArgs 'event_id' 0 65535
    $minutes = Get-MailIntArg $OpArgs 'since_minutes' 1 525600
    if (-not [System.Diagnostics.EventLog]::Exists($log))
    {
        throw (New-Object System.InvalidOperationException ("the event log '" + $log + "' does not exist on this host"))
    }
    $since = [System.DateTime]::Now.AddMinutes(0 - $minutes)
    if ([System.Environment]::OSVersion.Version.Major -ge 6)
    {
        $times = Find-MailWinEventTimes $log $source $eventId $since
    }
    else
    {
        $times = Find-MailClassicEventTimes $log $source $eventId $since
    }
    $count = 0
    $newest = $null
    foreach ($time in $times)
    {
        $count = $count + 1
        if ($null -eq $newest -or $time -gt $newest)
        {
            $newest = $time
        }
    }
    $newestText = $null
    if ($null -ne $newest)
    {
        $newestText = ConvertTo-MailUtcText $newest
    }
    return @{ count = $count; newest = $newestText }
}

# One queue in the op's wire form: empty texts are null, a missing count is 0.
function New-MailQueueRecord
{
    param([string]$Identity, [string]$Status, $Count, $NextHop, $QueueError)
    $hop = $null
    if ($null -ne $NextHop -and ([string]$NextHop).Length -gt 0)
    {
        $hop = [string]$NextHop
    }
    $errorText = $null
    if ($null -ne $QueueError -and ([string]$QueueError).Length -gt 0)
    {
        $errorText = [string]$QueueError
    }
    $messages = 0
    if ($null -ne $Count)
    {
        $messages = [long]$Count
    }
    return @{ identity = $Identity; status = $Status; message_count = $messages; next_hop = $hop; last_error = $errorText }
}

# Exchange 2000/2003: the links of root\MicrosoftExchangeV2 (Exchange System Manager's queues; Exchange 2003 SDK
# Exchange_Link). Status from the link's state flags: StateRetry (bit 0x4), StateFrozen, StateActive (bit 0x1).
# ExtendedStateInfo is the "Additional queue information" text (documented on the older ExchangeLink class; that
# Exchange_Link carries it too is UNCONFIRMED: a link without it reports last_error null).
function Get-MailLinks2003
{
    $p = @{}
    $p['Namespace'] = 'root\MicrosoftExchangeV2'
    $p['Class'] = 'Exchange_Link'
    $list = New-Object System.Collections.ArrayList
    foreach ($link in @(Get-WmiObject @p))
    {
        $status = 'Ready'
        if ($link.StateRetry)
        {
            $status = 'Retry'
        }
        elseif ($link.StateFrozen)
        {
            $status = 'Frozen'
        }
        elseif ($link.StateActive)
        {
            $status = 'Active'
        }
        $identity = [string]$link.ProtocolName + '/' + [string]$link.VirtualServerName + '/' + [string]$link.LinkName
        $record = New-MailQueueRecord $identity $status $link.MessageCount $link.LinkName $link.ExtendedStateInfo
        [void]$list.Add($record)
    }
    return ,($list.ToArray())
}

# Exchange 2007-2019: Get-Queue on this server, through the snap-in Initialize-ExchangeShell (exchange.ps1) loads.
function Get-MailQueues2007
{
    $list = New-Object System.Collections.ArrayList
    foreach ($queue in @(Get-Queue))
    {
        $record = New-MailQueueRecord ([string]$queue.Identity) ([string]$queue.Status) $queue.MessageCount $queue.NextHopDomain $queue.LastError
        [void]$list.Add($record)
    }
    return ,($list.ToArray())
}

function Get-MailQueueList
{
    param($OpArgs)
    if (-not ($OpArgs -is [System.Collections.IDictionary]))
    {
        throw (New-ArgumentError 'args must be an object')
    }
    $version = Get-ExchangeVersion
    if ($null -eq $version)
    {
        throw (New-Object System.InvalidOperationException 'Exchange is not installed on this host: it has no mail queues')
    }
    $text = [string]$version
    $unavailable = $null
    if ($text.StartsWith('6.', [System.StringComparison]::Ordinal) -or $text.StartsWith('5.', [System.StringComparison]::Ordinal))
    {
        $queues = Get-MailLinks2003
    }
    else
    {
        Initialize-ExchangeShell
        # Get-Queue asks the Transport service, and fails while it is stopped: say so as the answer instead (the
        # probe fails with that reason; a stopped transport is a finding, not a broken read).
        $transport = @(Get-Service -Name 'MSExchangeTransport' -ErrorAction SilentlyContinue)
        if ($transport.Length -eq 0 -or [string]$transport[0].Status -cne 'Running')
        {
            $unavailable = 'the Microsoft Exchange Transport service is not running, so Get-Queue cannot read the queues'
            $queues = @()
        }
        else
        {
            $queues = Get-MailQueues2007
        }
    }
    $list = New-Object System.Collections.ArrayList
    $truncated = $false
    foreach ($queue in $queues)
    {
        if ($list.Count -ge 200)
        {
            $truncated = $true
        }
        else
        {
            [void]$list.Add($queue)
        }
    }
    return @{ queues = $list.ToArray(); truncated = $truncated; unavailable = $unavailable }
}
