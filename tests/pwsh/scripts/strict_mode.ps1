# Set-StrictMode -Version 2: an unset variable and a missing property are errors; .Count of a scalar is absent
# in PowerShell 2.0.
Set-StrictMode -Version 2
try
{
    $undefined
}
catch
{
    $_.FullyQualifiedErrorId
    $_.Exception.Message
}
$n = 5
try
{
    $n.Count
}
catch
{
    $_.FullyQualifiedErrorId
}
$h = @{ a = 1 }
$h.a
$s = 'abc'
$s.Length
$h.missing -eq $null
function Add-Two
{
    param($a, $b)
    "a=$a b=$b"
}
try
{
    Add-Two(1, 2)
}
catch
{
    $_.FullyQualifiedErrorId
}
