# Operators: -match sets $matches, -like, -f, -join, -contains, logical short-circuit.
if ('abc123' -match '([a-z]+)(\d+)')
{
    $matches[1]
    $matches[2]
}
'Server01' -like 'server*'
'Server01' -clike 'server*'
'{0}-{1:D3}' -f 'x', 7
@('a', 'b') -join ','
@('x', 'y') -contains 'Y'
@('x', 'y') -ccontains 'Y'
$false -and $undefinedWouldBeNull
$true -or (1 / 0)
-not $null
!1
