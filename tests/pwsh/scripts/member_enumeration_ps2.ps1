# PowerShell 2.0 has no member enumeration: a member an array lacks is $null (an error under strict mode 2).
$list = @(@{ Name = 'a' }, @{ Name = 'b' })
$null -eq $list.Name
Set-StrictMode -Version 2
try
{
    $list.Name
}
catch
{
    $_.FullyQualifiedErrorId
}
