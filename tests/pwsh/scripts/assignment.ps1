# Assignment forms: compound operators, members and elements, type-constrained variables, [ref], ++/--.
$n = 10
$n += 5
$n -= 3
$n *= 2
$n
$s = 'a'
$s += 'b'
$s
$list = @(1, 2)
$list += 3
$list.Count
$list[0] = 'first'
$list[0]
$h = @{}
$h.Name = 'x'
$h['Other'] = 'y'
$h.Count
$h.name
[int]$typed = '42'
$typed = '7'
$typed -is [int]
$typed + 1
$i = 0
$i++
++$i
$i
$j = $i--
$j
$i
[long]$big = 0
$r = [ref]$big
$r.Value = 9
$big -is [long]
$big
$null = 'discarded'
($x = 'yielded')
