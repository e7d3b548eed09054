# platform: win2019-ex2019
# PowerShell 3.0+ enumerates a member over an array's elements; 2.0 does not (see member_enumeration_ps2).
$list = @(@{ Name = 'a' }, @{ Name = 'b' })
$list.Name -join ','
