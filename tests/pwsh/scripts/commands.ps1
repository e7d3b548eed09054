# Command lookup and binding: unknown commands, parameter prefixes, switches, $args, splatting, & and script blocks.
function Show-Args
{
    param($First, [switch]$Flag, [string]$Last = 'default')
    "First=$First Flag=$Flag Last=$Last args=$($args.Count)"
}
Show-Args 1
Show-Args -Fi 2 -Flag extra1 extra2
Show-Args -Flag:$false -La x 3
$p = @{ First = 'splat'; Last = 'ed' }
Show-Args @p
$block = {
    param($a)
    "block got $a"
}
& $block 5
$sb = [ScriptBlock]::Create('param($x) "created: $x"')
& $sb 'yes'
try
{
    Get-Nothing-Here
}
catch
{
    $_.FullyQualifiedErrorId
}
$found = Get-Command Show-Args
$found.Name
$missing = Get-Command No-Such-Command -ErrorAction SilentlyContinue
$null -eq $missing
1, 2, 3 | Where-Object { $_ -gt 1 } | ForEach-Object { $_ * 10 }
$total = 0
@(1, 2, 3, 4) | ForEach-Object { $total += $_ }
$total
$low = 2
$low..4
