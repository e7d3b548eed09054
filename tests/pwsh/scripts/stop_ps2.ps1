# PowerShell 2.0: a non-terminating error promoted by 'Stop' arrives in catch as ActionPreferenceStopException,
# the cmdlet's own record inside it.
$ErrorActionPreference = 'Stop'
try
{
    Write-Error 'denied'
}
catch
{
    $_.Exception.GetType().FullName
    $_.Exception.Message
    $_.Exception.ErrorRecord.Exception.Message
}
try
{
    Write-Error 'explicit' -ErrorAction Stop
}
catch [System.Management.Automation.ActionPreferenceStopException]
{
    'typed catch: ' + $_.Exception.ErrorRecord.Exception.Message
}
