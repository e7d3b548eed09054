"""The agent's compatibility table (issue 18, item 6): `python -m remediate.lab.compat > docs/agent-compatibility.md`.

walk.py decides which platforms reach each part of the rendered agent and collects what each part uses (collect.py,
guards.py, platforms.py); catalog*.py say when each cmdlet, parameter, .NET type and member and language feature
appeared, each with its Microsoft source; render.py writes the Markdown. The package reads the agent's text and
knows no agent function by name.
"""
