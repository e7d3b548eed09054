# $env: reads the host's process environment; an unset name is $null.
$env:COMPUTERNAME
$env:SystemRoot
$null -eq $env:NO_SUCH_VARIABLE
