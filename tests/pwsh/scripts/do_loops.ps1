# do/while runs while its condition holds, do/until until it holds; both run the body at least once.
$i = 0
do
{
    $i++
}
while ($i -lt 3)
$i
do
{
    $i--
    if ($i -eq 1)
    {
        continue
    }
    "i=$i"
}
until ($i -le 0)
$n = 10
do
{
    'once'
}
while ($n -lt 5)
