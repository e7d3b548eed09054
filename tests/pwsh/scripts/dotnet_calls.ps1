# .NET members through the simulations: a method's exception becomes MethodInvocationException with the original
# inside; a wrong argument count is MethodException; [ref] arguments; static members; New-Object.
try
{
    'abc'.Substring(5)
}
catch
{
    $_.Exception.GetType().FullName
    $_.Exception.InnerException.GetType().FullName
    $_.FullyQualifiedErrorId
}
try
{
    'abc'.Substring(1, 1, 1, 1)
}
catch [System.Management.Automation.MethodException]
{
    $_.FullyQualifiedErrorId
}
[long]$n = 0
[long]::TryParse('12345678901', [ref]$n)
$n
$n -is [long]
[int]::MaxValue
$h = New-Object System.Collections.Hashtable
$h['Key'] = 1
$h.ContainsKey('key')
$l = @{}
$l['Key'] = 1
$l.ContainsKey('key')
$sb = New-Object System.Text.StringBuilder
[void]$sb.Append('x').Append('y')
$sb.ToString()
$e = New-Object System.FormatException 'bad format'
$e.Message
$PSVersionTable.PSVersion.ToString()
[Console]::Out.Write('raw' + "`r`n")
try
{
    [int]::Parse('x')
}
catch [System.FormatException]
{
    'typed catch sees the wrapped exception: ' + $_.Exception.GetType().Name
}
catch
{
    'untyped'
}
