# platform: win2019-ex2019
# strict: 2
# PowerShell 3.0 and later give every object .Count and .Length.
$n = 5
$n.Count
$null.Count
