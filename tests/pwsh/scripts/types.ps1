# Casts, -is/-as, type literals, hex literals and conversions as PowerShell does them.
[int]'0x10'
0xFFFFFFFF
[string]$null -eq ''
'1' -eq 1
1 -eq '1.0'
@(1, 2, 3) -eq 2
$null -eq @()
[char]65
('abc' -as [int]) -eq $null
[int].FullName
5 -is [System.ValueType]
'x' -isnot [string]
[bool]'False'
[string[]]$names = 'a', 'b'
$names.GetType().FullName
