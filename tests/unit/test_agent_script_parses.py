"""Every PowerShell text remediate sends must parse: the rendered agent script and the bootstrap.

There is no PowerShell here, so tree-sitter-powershell stands in for its parser. A syntax error in the agent would
otherwise surface only on a real server, as a missing answer.
"""

from __future__ import annotations

import re

import pytest
import tree_sitter as ts
import tree_sitter_powershell as tsp

from remediate import agent


def syntax_problems(source: str) -> list[str]:
    """One line per ERROR or MISSING node: where it is and the text around it."""
    parser = ts.Parser(ts.Language(tsp.language()))
    tree = parser.parse(source.encode("utf-8"))
    lines = source.splitlines()
    problems: list[str] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            row, col = node.start_point
            around = "\n".join(f"    {n + 1:4}: {lines[n]}" for n in range(max(0, row - 2), min(len(lines), row + 3)))
            kind = f"MISSING {node.type}" if node.is_missing else "ERROR"
            problems.append(f"{kind} at line {row + 1}, column {col + 1}:\n{around}")
        stack.extend(node.children)
    return problems


@pytest.mark.parametrize("name, source", [("agent script", agent.render_script()), ("bootstrap", agent.BOOTSTRAP)])
def test_parses_without_errors(name: str, source: str) -> None:
    problems = syntax_problems(source)
    assert not problems, f"{name} does not parse:\n" + "\n".join(problems)


def test_checker_sees_errors() -> None:
    # The check above is only worth something if the parser reports a broken script.
    assert syntax_problems("function f {\n    if ($x -eq 1 {\n        'a'\n    }\n")


def _names(node_type: str) -> list[str]:
    parser = ts.Parser(ts.Language(tsp.language()))
    source = agent.render_script().encode()
    found: list[str] = []
    stack = [parser.parse(source).root_node]
    while stack:
        node = stack.pop()
        if node.type == node_type:
            found.append(source[node.start_byte : node.end_byte].decode())
        stack.extend(node.children)
    return found


# The only commands the agent runs that it does not define itself; all exist in PowerShell 2.0 except
# Get-CimInstance, which the script calls only where Get-WmiObject is missing (PowerShell 7).
CMDLETS = {"New-Object", "Get-WmiObject", "Get-CimInstance", "Get-Command", "Get-Service", "Set-StrictMode"}
# templates/agent/exchange.ps1: the snap-in loader (2.0 built-ins) and the Exchange Management Shell cmdlets it
# loads; they exist only once the snap-in is in, and the script calls them only after Initialize-ExchangeShell.
CMDLETS |= {"Get-PSSnapin", "Add-PSSnapin", "Get-SendConnector", "Set-SendConnector", "Get-ReceiveConnector",
            "Set-ReceiveConnector", "Get-RemoteDomain", "Set-RemoteDomain"}
# templates/agent/{defender,firewall,services}.ps1: Defender preferences (present where Defender is, checked with
# Get-Command first), the NetSecurity firewall cmdlets (2012+, likewise checked) and the service cmdlets (2.0
# built-ins).
CMDLETS |= {"Get-MpPreference", "Add-MpPreference", "Remove-MpPreference", "Get-NetFirewallRule",
            "Get-NetFirewallPortFilter", "New-NetFirewallRule", "Set-NetFirewallRule", "Remove-NetFirewallRule",
            "Set-Service", "Start-Service", "Stop-Service"}
# templates/agent/mail.ps1: the event log readers (Get-EventLog for 2003's classic log, Get-WinEvent from Vista on;
# both PowerShell 2.0) and Get-Queue, an Exchange 2007+ cmdlet called only after Initialize-ExchangeShell.
CMDLETS |= {"Get-EventLog", "Get-WinEvent", "Get-Queue"}
# templates/agent/metabasefile.ps1: IISADMIN (and its dependents) stopped while MetaBase.xml is replaced (2.0 built-ins).
CMDLETS |= {"Stop-Service", "Start-Service"}


def test_agent_defines_its_functions_once() -> None:
    defined = _names("function_name")
    assert len(defined) == len(set(defined)) > 10


def test_agent_calls_only_its_functions_and_known_cmdlets() -> None:
    # A typo in a function name would only show on a real server, as "not recognized as the name of a cmdlet".
    assert set(_names("command_name")) <= set(_names("function_name")) | CMDLETS
    assert set(_names("function_name")) <= set(_names("command_name"))  # nothing dead


# Script-level constants the functions may read, and PowerShell's automatic variables the script uses.
SHARED = {"jsonescapechars", "jsonescapeletters", "protocolversion", "null", "true", "false", "_",
          "env:computername", "psversiontable"}


def test_functions_read_only_their_own_variables() -> None:
    # PowerShell scopes are dynamic: a misspelt variable silently reads the caller's variable of that name, or
    # $null. So every variable a function reads must be its parameter, assigned in it, or a shared constant.
    parser = ts.Parser(ts.Language(tsp.language()))
    source = agent.render_script().encode()
    stack = [parser.parse(source).root_node]
    free: dict[str, set[str]] = {}
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if node.type != "function_statement":
            continue
        body = source[node.start_byte : node.end_byte].decode()
        name = re.match(r"function ([\w-]+)", body).group(1)  # type: ignore[union-attr]
        used = {v.lower() for v in re.findall(r"\$([\w:]+)", body)}
        params = re.search(r"param\((.*?)\)\n", body)
        bound = {v.lower() for v in re.findall(r"\$(\w+)", params.group(1))} if params else set()
        bound |= {v.lower() for v in re.findall(r"\$(\w+)\s*=[^=]", body)}
        bound |= {v.lower() for v in re.findall(r"(?:foreach|for) \(\$(\w+)", body)}
        if used - bound - SHARED:
            free[name] = used - bound - SHARED
    assert not free
