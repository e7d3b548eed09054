# Loops: break/continue in while and for, foreach over $null in 2.0, return from inside a loop.
$i = 0
while ($true)
{
    $i++
    if ($i -lt 3)
    {
        continue
    }
    break
}
$i
function Find-First
{
    param($Items, $Wanted)
    foreach ($item in $Items)
    {
        if ($item -eq $Wanted)
        {
            return "found $item"
        }
    }
    return 'none'
}
Find-First @(1, 2, 3) 2
Find-First @() 2
$count = 0
foreach ($x in $null)
{
    $count++
}
$count
for ($k = 5; $k -gt 0; $k--)
{
    if ($k -eq 3)
    {
        break
    }
}
$k
