# try/catch/finally: typed catches match along the exception's type hierarchy; finally always runs; throw rethrows.
function Fail
{
    throw (New-Object System.ArgumentNullException 'nothing here')
}
try
{
    Fail
}
catch [System.FormatException]
{
    'format'
}
catch [System.ArgumentException]
{
    'argument: ' + $_.Exception.GetType().FullName
}
finally
{
    'finally'
}
try
{
    try
    {
        throw 'inner'
    }
    finally
    {
        'inner finally'
    }
}
catch
{
    'outer caught ' + $_.Exception.Message + ' ' + $_.FullyQualifiedErrorId
}
try
{
    [void][System.Management.Automation.RuntimeException]
    $null.Foo()
}
catch
{
    $_.FullyQualifiedErrorId
    $_.Exception.Message
}
