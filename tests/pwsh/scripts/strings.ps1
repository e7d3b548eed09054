# String expansion, escapes, verbatim strings and here-strings.
$name = 'World'
$list = @(1, 2, 3)
"Hello $name!"
"sub: $($list.Count) ${name}"
"list: $list"
'verbatim $name ''quoted'''
"tab:`t| quote:`" dollar:`$name"
$here = @"
line $name
  two
"@
$here
@'
raw $name
'@
