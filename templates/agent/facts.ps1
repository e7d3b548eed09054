# The facts op: what the runner's `when:` conditions see.
#op facts Get-AgentFacts

function Get-ExchangeVersion
{
    $hklm = [Microsoft.Win32.Registry]::LocalMachine
    # Exchange 2007 and later: the MSI product and build numbers of Setup.
    foreach ($path in @('SOFTWARE\Microsoft\ExchangeServer\v15\Setup', 'SOFTWARE\Microsoft\ExchangeServer\v14\Setup', 'SOFTWARE\Microsoft\Exchange\v8.0\Setup'))
    {
        $key = $hklm.OpenSubKey($path, $false)
        if ($null -ne $key)
        {
            try
            {
                $parts = @($key.GetValue('MsiProductMajor'), $key.GetValue('MsiProductMinor'), $key.GetValue('MsiBuildMajor'), $key.GetValue('MsiBuildMinor'))
            }
            finally
            {
                $key.Close()
            }
            if (-not ($parts -contains $null))
            {
                return ($parts -join '.')
            }
        }
    }
    # Exchange 2000/2003: the file version of store.exe under the install folder, else the build number alone.
    $key = $hklm.OpenSubKey('SOFTWARE\Microsoft\Exchange\Setup', $false)
    if ($null -eq $key)
    {
        return $null
    }
    try
    {
        $services = $key.GetValue('Services')
        $build = $key.GetValue('NewestBuild')
    }
    finally
    {
        $key.Close()
    }
    if ($services -is [string])
    {
        $store = [System.IO.Path]::Combine($services, 'bin\store.exe')
        if ([System.IO.File]::Exists($store))
        {
            $info = [System.Diagnostics.FileVersionInfo]::GetVersionInfo($store)
            return ('{0}.{1}.{2}.{3}' -f $info.FileMajorPart, $info.FileMinorPart, $info.FileBuildPart, $info.FilePrivatePart)
        }
    }
    if ($build -is [int] -and $build -ge 6944)
    {
        return ('6.5.' + $build)
    }
    if ($build -is [int] -and $build -ge 4417)
    {
        return ('6.0.' + $build)
    }
    return $null
}

function Get-AntivirusNames
{
    $names = New-Object System.Collections.ArrayList
    try
    {
        # Security Center exists on client Windows only; on a server this fails and is skipped.
        foreach ($product in @(Get-WmiObject -Namespace 'root\SecurityCenter2' -Class AntiVirusProduct))
        {
            if ($product.displayName -and -not ($names -contains $product.displayName))
            {
                [void]$names.Add([string]$product.displayName)
            }
        }
    }
    catch
    {
        $names.Clear()
    }
    # Servers have no Security Center: installed products' names from the Uninstall keys (both registry
    # views) are what tells that Symantec AntiVirus, McAfee or the like is on an Exchange server.
    foreach ($root in @('SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall', 'SOFTWARE\Wow6432Node\Microsoft\Windows\CurrentVersion\Uninstall'))
    {
        $uninstall = [Microsoft.Win32.Registry]::LocalMachine.OpenSubKey($root)
        if ($null -eq $uninstall)
        {
            continue
        }
        foreach ($subName in $uninstall.GetSubKeyNames())
        {
            $product = $uninstall.OpenSubKey($subName)
            if ($null -eq $product)
            {
                continue
            }
            $display = [string]$product.GetValue('DisplayName')
            $product.Close()
            if ($display -match '(?i)anti-?virus|endpoint protection|mail security|virusscan')
            {
                if (-not ($names -contains $display))
                {
                    [void]$names.Add($display)
                }
            }
        }
        $uninstall.Close()
    }
    $defender = Get-Command Get-MpPreference -ErrorAction SilentlyContinue
    if (-not $defender)
    {
        $defender = Get-Service -Name WinDefend -ErrorAction SilentlyContinue
    }
    if ($defender -and -not ($names -contains 'Windows Defender'))
    {
        [void]$names.Add('Windows Defender')
    }
    $names.Sort([System.StringComparer]::OrdinalIgnoreCase)
    return ,($names.ToArray())
}

# Facts never fail as a whole: a part that cannot be read (no WMI, no Exchange) is null.
function Get-AgentFacts
{
    $facts = @{ hostname = [string]$env:COMPUTERNAME; os_caption = $null; os_version = $null; exchange_version = $null }
    $facts['ps_version'] = $PSVersionTable.PSVersion.ToString()
    $facts['time_utc'] = [System.DateTime]::UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", [System.Globalization.CultureInfo]::InvariantCulture)
    try
    {
        $os = Get-WmiObject -Class Win32_OperatingSystem
    }
    catch
    {
        # PowerShell 7 has no Get-WmiObject; 2.0 has no Get-CimInstance but never gets here.
        $os = $null
        try
        {
            $os = Get-CimInstance -ClassName Win32_OperatingSystem
        }
        catch
        {
            $os = $null
        }
    }
    if ($null -ne $os)
    {
        # Server 2003's caption ends with a space.
        $facts['os_caption'] = ([string]$os.Caption).Trim()
        $facts['os_version'] = [string]$os.Version
    }
    try
    {
        $facts['exchange_version'] = Get-ExchangeVersion
    }
    catch
    {
        $facts['exchange_version'] = $null
    }
    try
    {
        $facts['antivirus'] = [object[]](Get-AntivirusNames)
    }
    catch
    {
        $facts['antivirus'] = [object[]]@()
    }
    return $facts
}
