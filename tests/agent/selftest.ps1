# The agent's read-only self-test on a real Windows host (issue 18, item 7; examples/ci/agent-windows.yml runs it).
# It renders nothing: -AgentPath is the rendered agent (python -c "from remediate.agent import render_script; ...").
# It runs the agent as a child of the shell running this script (Windows PowerShell 5.1 or PowerShell 7), with the
# request as the agent's only argument (base64 of the JSON, docs/agent-protocol.md), and checks the answers' shape:
# framing markers, exit codes, ok/error and value types. Read ops only (facts, registry.get, service.get): the host
# is never changed. Exit 0 when every check passed, 1 otherwise.
param([Parameter(Mandatory = $true)][string]$AgentPath)

Set-StrictMode -Version 2
$ErrorActionPreference = 'Stop'
$Shell = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
$Failures = New-Object System.Collections.ArrayList

function Assert-That
{
    param([bool]$Condition, [string]$What)
    if ($Condition)
    {
        Write-Host ('ok   ' + $What)
    }
    else
    {
        Write-Host ('FAIL ' + $What)
        [void]$Failures.Add($What)
    }
}

# Runs the agent with one argument; returns its exit code and stdout lines.
function Invoke-Agent
{
    param([string]$Argument)
    # Windows PowerShell turns a native command's stderr into error records even when redirected; under 'Stop'
    # the agent's message for a malformed request would end this script instead of being checked.
    $ErrorActionPreference = 'Continue'
    $lines = @(& $Shell -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -File $AgentPath $Argument 2>$null)
    return @{ Code = $LASTEXITCODE; Lines = $lines }
}

function ConvertTo-RequestArgument
{
    param([string]$Json)
    return [System.Convert]::ToBase64String([System.Text.Encoding]::ASCII.GetBytes($Json))
}

function Test-IsInteger
{
    param($Value)
    return ($Value -is [int] -or $Value -is [long])
}

$ops = @(
    '{"id":"facts","op":"facts","args":{}}',
    '{"id":"dword","op":"registry.get","args":{"hive":"HKLM","key":"SYSTEM\\CurrentControlSet\\Services\\EventLog","name":"Start"}}',
    '{"id":"sz","op":"registry.get","args":{"hive":"HKLM","key":"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion","name":"CurrentBuild"}}',
    '{"id":"novalue","op":"registry.get","args":{"hive":"HKLM","key":"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion","name":"remediate-selftest-absent"}}',
    '{"id":"svc","op":"service.get","args":{"name":"EventLog","fields":["state","start_mode"]}}',
    '{"id":"nosvc","op":"service.get","args":{"name":"remediate-selftest-absent","fields":["state"]}}',
    '{"id":"badarg","op":"registry.get","args":{"hive":"HKXX","key":"x","name":"y"}}',
    '{"id":"unknown","op":"selftest.nothing","args":{}}'
)
$request = '{"version":1,"mode":"read","ops":[' + ($ops -join ',') + ']}'
$run = Invoke-Agent (ConvertTo-RequestArgument $request)

Assert-That ($run.Code -eq 0) 'read request: exit code 0'
$lines = $run.Lines
$begin = [array]::IndexOf($lines, '<<<REMEDIATE-BEGIN>>>')
$end = [array]::IndexOf($lines, '<<<REMEDIATE-END>>>')
Assert-That ($begin -ge 0 -and $end -eq $begin + 2) 'answer framed: BEGIN line, one JSON line, END line'
if ($begin -lt 0 -or $end -ne $begin + 2)
{
    Write-Host ($lines -join "`n")
    exit 1
}
$answer = $lines[$begin + 1] | ConvertFrom-Json
Assert-That ($answer.version -eq 1) 'answer version 1'
$results = @{}
foreach ($result in @($answer.results))
{
    $results[$result.id] = $result
}
Assert-That ($results.Count -eq $ops.Count) ('one result per op (' + $ops.Count + ')')

$facts = $results['facts']
Assert-That ($facts.ok -eq $true) 'facts: ok'
Assert-That ($facts.value.hostname -is [string] -and $facts.value.hostname -eq $env:COMPUTERNAME) 'facts.hostname is this host'
Assert-That ($facts.value.os_version -is [string] -and $facts.value.os_version -match '^\d+\.\d+\.\d+') 'facts.os_version'
Assert-That ($facts.value.ps_version -eq $PSVersionTable.PSVersion.ToString()) 'facts.ps_version is this shell'
Assert-That ($facts.value.time_utc -match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$') 'facts.time_utc format'
Assert-That ($null -eq $facts.value.exchange_version) 'facts.exchange_version null (no Exchange on a runner)'
Assert-That ($null -ne $facts.value.PSObject.Properties['antivirus']) 'facts.antivirus present'

$dword = $results['dword']
Assert-That ($dword.ok -eq $true -and $dword.value.exists -eq $true) 'registry.get REG_DWORD: exists'
Assert-That ($dword.value.type -eq 'REG_DWORD' -and (Test-IsInteger $dword.value.data)) 'registry.get REG_DWORD: type and integer data'
$sz = $results['sz']
Assert-That ($sz.ok -eq $true -and $sz.value.type -eq 'REG_SZ' -and $sz.value.data -match '^\d+$') 'registry.get REG_SZ: CurrentBuild'
$novalue = $results['novalue']
Assert-That ($novalue.ok -eq $true -and $novalue.value.exists -eq $false) 'registry.get missing value: exists false'

$svc = $results['svc']
Assert-That ($svc.ok -eq $true -and $svc.value.exists -eq $true) 'service.get EventLog: exists'
Assert-That ($svc.value.state -eq 'running') 'service.get EventLog: running'
Assert-That (@('auto', 'manual', 'disabled', 'boot', 'system') -contains $svc.value.start_mode) 'service.get EventLog: start_mode'
$nosvc = $results['nosvc']
Assert-That ($nosvc.ok -eq $true -and $nosvc.value.exists -eq $false) 'service.get missing service: exists false'

$badarg = $results['badarg']
Assert-That ($badarg.ok -eq $false -and $badarg.error.type -eq 'InvalidArgument' -and $badarg.error.message -is [string]) 'bad hive: InvalidArgument'
$unknown = $results['unknown']
Assert-That ($unknown.ok -eq $false -and $unknown.error.type -eq 'UnknownOp') 'unknown op: UnknownOp'

# A request that is not base64 gets no answer: exit 1, nothing framed.
$bad = Invoke-Agent 'not-base64!'
Assert-That ($bad.Code -eq 1 -and [array]::IndexOf($bad.Lines, '<<<REMEDIATE-BEGIN>>>') -lt 0) 'malformed request: exit 1, no answer'

if ($Failures.Count -gt 0)
{
    Write-Host ([string]$Failures.Count + ' check(s) failed under PowerShell ' + $PSVersionTable.PSVersion)
    exit 1
}
Write-Host ('all checks passed under PowerShell ' + $PSVersionTable.PSVersion)
exit 0
