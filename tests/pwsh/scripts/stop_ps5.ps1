# platform: win2019-ex2019
# PowerShell 3.0 and later throw the cmdlet's own error record when 'Stop' promotes it.
$ErrorActionPreference = 'Stop'
try
{
    Write-Error 'denied'
}
catch
{
    $_.Exception.GetType().FullName
    $_.Exception.Message
}
