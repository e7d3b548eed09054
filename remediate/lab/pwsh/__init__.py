"""The lab's PowerShell 2.0 interpreter (issue 18): it runs the real agent over the simulated Windows of
`remediate.lab.windows`."""
