# With $ErrorActionPreference 'Continue', a statement-terminating error ends that statement only; under 'Stop' it
# ends the script.
'one'
$null.Method()
'two'
$ErrorActionPreference = 'Stop'
$null.Method()
'three'
