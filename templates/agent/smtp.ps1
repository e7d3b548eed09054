# SMTP probe (docs/agent-protocol.md: smtp.probe): from this host, connect to an SMTP server, read its banner and
# its EHLO answer, and classify them exactly as remediate/resources/smtp_banner_probe.py `classify` does. TcpClient
# works on PowerShell 2.0 / .NET 2.0 (Windows Server 2003), where Test-NetConnection does not exist. The host name is data for BeginConnect, never part of a command line.
#op smtp.probe Invoke-SmtpProbe

function Get-SmtpIntArg
{
    param($OpArgs, [string]$Name, [long]$Min, [long]$Max)
    if (-not ($OpArgs -is [System.Collections.IDictionary]))
    {
        throw (New-ArgumentError 'args must be an object')
    }
    $value = $OpArgs[$Name]
    $isNumber = ($value -is [long] -or $value -is [int])
    if (-not $isNumber -or $value -lt $Min -or $value -gt $Max)
    {
        throw (New-ArgumentError ("argument '" + $Name + "' must be a whole number " + $Min + '..' + $Max))
    }
    return [int]$value
}

function Get-SmtpHostArg
{
    param($OpArgs)
    [string]$name = Get-TextArg $OpArgs 'host'
    # A DNS name or an IP literal, nothing else (same pattern as HOST_PATTERN in smtp_banner_probe.py, with \z).
    $pattern = '^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*\.?|[0-9A-Fa-f:.]{2,45})\z'
    if (-not ($name -cmatch $pattern))
    {
        throw (New-ArgumentError "argument 'host' must be a host name or an IP address")
    }
    return $name
}

# A socket failure as the protocol words it (the lab words Python's errors the same way).
function Get-SmtpSocketError
{
    param($Record)
    $e = $Record.Exception
    while ($null -ne $e -and -not ($e -is [System.Net.Sockets.SocketException]) -and $null -ne $e.InnerException)
    {
        $e = $e.InnerException
    }
    if (-not ($e -is [System.Net.Sockets.SocketException]))
    {
        return 'socket error'
    }
    $code = [string]$e.SocketErrorCode
    if ($code -ceq 'ConnectionRefused')
    {
        return 'connection refused'
    }
    if ($code -ceq 'TimedOut')
    {
        return 'timed out'
    }
    if ($code -ceq 'HostNotFound' -or $code -ceq 'NoData')
    {
        return 'host not found'
    }
    return ('socket error ' + $code)
}

# One line, or $null when the peer closed or said nothing before the read timeout; cut at 512 characters.
function Read-SmtpLine
{
    param($Reader)
    try
    {
        $line = $Reader.ReadLine()
    }
    catch
    {
        return $null
    }
    if ($null -ne $line -and $line.Length -gt 512)
    {
        $line = $line.Substring(0, 512)
    }
    return $line
}

function Get-SmtpClassification
{
    param([bool]$Connected, $Banner, $Ehlo)
    if (-not $Connected)
    {
        return 'unreachable'
    }
    if ($null -eq $Banner -or $Banner.Length -eq 0)
    {
        return 'no_banner'
    }
    if ($Banner -cmatch '^220[ *][*20 ]*\*[*20 ]*$|^220 SMTP/cmap_')
    {
        return 'masked'
    }
    if (-not ($Banner -cmatch '^220(?:[ -]|$)'))
    {
        return 'not_220'
    }
    if ($Ehlo.Count -eq 0 -or -not ($Ehlo[0] -cmatch '^250(?:[ -]|$)'))
    {
        return 'ehlo_refused'
    }
    return 'ok'
}

function Invoke-SmtpProbe
{
    param($OpArgs)
    $target = Get-SmtpHostArg $OpArgs
    $port = Get-SmtpIntArg $OpArgs 'port' 1 65535
    $timeout = Get-SmtpIntArg $OpArgs 'timeout_ms' 100 60000
    $connected = $false
    $banner = $null
    $ehlo = New-Object System.Collections.ArrayList
    $problem = $null
    # TcpClient's parameterless constructor makes an IPv4 socket (.NET 2.0 to 4.x): an IPv6 literal needs the
    # InterNetworkV6 family, or BeginConnect throws NotSupportedException. Only IP literals hold a colon.
    $family = [System.Net.Sockets.AddressFamily]::InterNetwork
    if ($target.Contains(':'))
    {
        $family = [System.Net.Sockets.AddressFamily]::InterNetworkV6
    }
    $client = $null
    try
    {
        try
        {
            # Inside the try: a host without an IPv6 stack (Windows Server 2003 by default) refuses the socket
            # itself (SocketException 10047), which is an answer about the path, not a failure of the probe.
            $client = New-Object System.Net.Sockets.TcpClient ($family)
            $pending = $client.BeginConnect($target, $port, $null, $null)
            # WaitOne(int, bool) exists on every .NET 2.0; WaitOne(int) only from 2.0 SP1.
            if ($pending.AsyncWaitHandle.WaitOne($timeout, $false))
            {
                $client.EndConnect($pending)
                $connected = $true
            }
            else
            {
                $problem = 'timed out'
            }
        }
        catch
        {
            $problem = Get-SmtpSocketError $_
        }
        if ($connected)
        {
            $stream = $client.GetStream()
            $stream.ReadTimeout = $timeout
            $stream.WriteTimeout = $timeout
            $reader = New-Object System.IO.StreamReader($stream)
            $writer = New-Object System.IO.StreamWriter($stream)
            $writer.NewLine = "`r`n"
            $writer.AutoFlush = $true
            $banner = Read-SmtpLine $reader
            # A multi-line greeting (220-...): the first line is the banner; skip the rest (at most 10 lines).
            $line = $banner
            $more = 0
            while ($null -ne $line -and $line -cmatch '^\d{3}-' -and $more -lt 10)
            {
                $line = Read-SmtpLine $reader
                $more = $more + 1
            }
            if ($null -ne $banner -and $banner.Length -gt 0)
            {
                try
                {
                    $writer.WriteLine('EHLO probe.invalid')
                    $line = Read-SmtpLine $reader
                    while ($null -ne $line)
                    {
                        [void]$ehlo.Add($line)
                        if (-not ($line -cmatch '^\d{3}-') -or $ehlo.Count -ge 50)
                        {
                            break
                        }
                        $line = Read-SmtpLine $reader
                    }
                    $writer.WriteLine('QUIT')
                }
                catch
                {
                    $problem = Get-SmtpSocketError $_
                }
            }
        }
    }
    finally
    {
        if ($null -ne $client)
        {
            $client.Close()
        }
    }
    $classification = Get-SmtpClassification $connected $banner $ehlo
    $result = @{}
    $result['connected'] = $connected
    $result['banner'] = $banner
    $result['ehlo'] = $ehlo.ToArray()
    $result['classification'] = $classification
    $result['banner_ok'] = ($classification -ceq 'ok' -or $classification -ceq 'ehlo_refused')
    $result['masked'] = ($classification -ceq 'masked')
    $result['error'] = $problem
    return $result
}
