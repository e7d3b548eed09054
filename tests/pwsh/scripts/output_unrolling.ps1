# Pipeline output: arrays unroll, `return ,$x` keeps one array, @() always an array, one element unwraps.
function Get-Empty
{
    return @()
}
function Get-One
{
    return @(7)
}
function Get-Kept
{
    return ,@(1, 2)
}
$a = Get-Empty
$null -eq $a
$b = Get-One
$b -is [int]
$c = Get-Kept
$c.Count
$d = @(Get-Empty)
$d.Count
$e = @(Get-One)
$e.Length
$f = $(1; 2; 3)
$f.Count
,(1, 2) | ForEach-Object { $_.Count }
(1, 2) | ForEach-Object { $_ * 2 }
