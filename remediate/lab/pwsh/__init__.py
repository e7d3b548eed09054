"""The lab's PowerShell 2.0 interpreter (issue 18): it runs the real agent over the simulated Windows of
`remediate.lab.windows`, over tree-sitter-powershell's parse tree.

Entry point: `remediate.lab.pwsh.session.Session(machine, strict=...).run_script(text, input_lines=[...])`.
Command line: `python -m remediate.lab.pwsh --platform win2003-ex2003 FILE.ps1`.
"""
