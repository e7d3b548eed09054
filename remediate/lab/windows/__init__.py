"""Simulated Windows under the lab's PowerShell interpreter: .NET types and cmdlets over the lab's state.

Layering (tests/unit/test_lab_layering.py): `remediate.lab.pwsh` imports this package; this package imports
`remediate.lab.state` and nothing above it (not the interpreter, not the WS-Management server, not the product).
`clr` is the value model both sides share. Each module models one part of Windows as Microsoft documents it and
names that document in its docstring; none knows a function of the agent.
"""
