# Non-terminating errors follow -ErrorAction and $ErrorActionPreference; -ErrorVariable collects them.
Write-Error 'first' -ErrorAction SilentlyContinue
$Error.Count
$Error[0].Exception.Message
Write-Error 'second' -ErrorAction SilentlyContinue -ErrorVariable problems
$problems.Count
$problems[0].FullyQualifiedErrorId
Write-Error 'third' -ErrorAction SilentlyContinue -ErrorVariable +problems
$problems.Count
'still running'
$ErrorActionPreference = 'SilentlyContinue'
Write-Error 'quiet'
$Error.Count
