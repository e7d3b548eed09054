# Dynamic scopes: a function sees its caller's variables, assigns its own; $script: reaches the script scope.
$x = 'outer'
function Show-X
{
    $x
    $x = 'inner'
    $x
}
function Set-Script
{
    $script:y = 'set by function'
}
Show-X
$x
Set-Script
$y
function Read-Caller
{
    $local
}
function Outer
{
    $local = 'from Outer'
    Read-Caller
}
Outer
