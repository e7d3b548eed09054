"""remediate: declarative remediation of Exchange event 4006 causes over WinRM."""
__version__ = "0.1.0"
