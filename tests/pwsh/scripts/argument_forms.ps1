# Argument forms tree-sitter-powershell splits differently from PowerShell's parser.
# strict: 2
function Show
{
    param($Value)
    'got ' + $Value
}
$s = 'abc'
Show $s.ToUpper()
Show $s.Substring(1)
Show $s.Length
$a = [System.Array]::CreateInstance([object], 3)
$a.Length
$pair = [int], 5
$pair.Length
# A character beyond U+FFFF is two UTF-16 chars in .NET.
$emoji = [string][char]0xD83C + [char]0xDF89
$emoji.Length
