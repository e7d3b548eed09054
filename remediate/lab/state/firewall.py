"""A simulated host firewall: its rules as `firewall_rule` reads them, and whether inbound SMTP gets through.

`api` says what the agent finds on the host: `netsecurity` (Windows Server 2012 and later: read and write),
`com` (2008/2008 R2: the HNetCfg.FwPolicy2 COM API, read only for remediate) or `none` (Server 2003: no Windows
Firewall with Advanced Security; every op fails). `enabled` is the firewall's state for the active profile.

Rules are `{name, direction, protocol, local_port, action, enabled}` in the wire form of `firewall_rule` (display
name, "in"/"out", "TCP"/"UDP"/"Any", Windows' port text, "allow"/"block", bool). Display names compare
case-insensitively and need not be unique, as in Windows; an op on a name several rules share fails instead of
picking one. A rule that is changed keeps its place in the list; a new rule goes to the end.

`allows(port, protocol)` answers whether inbound traffic to that local port passes: the firewall is off, or an
enabled inbound allow rule covers the port and no enabled inbound block rule does (block wins in Windows Firewall).

`load()` takes `{"api", "enabled", "rules"}`; each key given replaces that part (so a scenario can drop the
platform's default rules). Thread-safe: every public method takes `lock`.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

from remediate.lab.state import InvalidArgument, StateError
from remediate.lab.state.wintext import same_name

APIS = ("netsecurity", "com", "none")
RULE_FIELDS = ("direction", "protocol", "local_port", "action", "enabled")
NO_API_MESSAGE = ("Windows Firewall with Advanced Security is not available on this host (it comes with Windows "
                  "Server 2008): remediate cannot read its rules")
READ_ONLY_MESSAGE = ("this host has no NetSecurity cmdlets (Windows Server 2012 or later): remediate reads the "
                     "firewall of Windows Server 2008/2008 R2 but does not change it")


def ambiguous_message(name: str, count: int) -> str:
    return (f"{count} firewall rules are named '{name}': remediate manages a rule only when its display name is "
            "unique; rename or remove the extra rules by hand")


def covers(local_port: str, port: int) -> bool:
    """Whether Windows' port text ("Any", "25", "25,587", "1000-2000") includes `port`."""
    for token in local_port.split(","):
        token = token.strip()
        if token.lower() == "any":
            return True
        low, _, high = token.partition("-")
        if low.isdigit() and (high or low).isdigit() and int(low) <= port <= int(high or low):
            return True
    return False


class SimFirewall:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.api = "netsecurity"
        self.enabled = True
        self.rules: list[dict[str, Any]] = []
        self.writes = 0

    # ----------------------------------------------------------------------------------------------- protocol ops

    def get(self, name: str) -> dict[str, Any]:
        with self.lock:
            self._readable()
            rule = self._one(name)
            if rule is None:
                return {"exists": False}
            return {"exists": True, **{f: rule[f] for f in RULE_FIELDS}}

    def set(self, name: str, fields: dict[str, Any]) -> None:
        """Creates the rule, or changes the one rule with that display name in place."""
        with self.lock:
            self._writable()
            rule = self._one(name)
            self.writes += 1
            if rule is None:
                self.rules.append({"name": name, **{f: fields[f] for f in RULE_FIELDS}})
            else:
                rule.update({f: fields[f] for f in RULE_FIELDS})

    def remove(self, name: str) -> None:
        """Removes the one rule with that display name; none is not an error."""
        with self.lock:
            self._writable()
            rule = self._one(name)
            self.writes += 1
            if rule is not None:
                self.rules.remove(rule)

    # ----------------------------------------------------------------------------------------- test/scenario API

    def allows(self, port: int, protocol: str = "TCP") -> bool:
        with self.lock:
            if not self.enabled:
                return True
            matching = [r for r in self.rules if r["enabled"] and r["direction"] == "in"
                        and r["protocol"] in (protocol, "Any") and covers(str(r["local_port"]), port)]
            if any(r["action"] == "block" for r in matching):
                return False
            return any(r["action"] == "allow" for r in matching)

    def load(self, data: dict[str, Any] | None) -> None:
        with self.lock:
            data = copy.deepcopy(data or {})
            unknown = set(data) - {"api", "enabled", "rules"}
            if unknown:
                raise InvalidArgument(f"firewall: unknown key(s) {', '.join(sorted(unknown))}")
            if "api" in data:
                if data["api"] not in APIS:
                    raise InvalidArgument(f"firewall: api must be one of {', '.join(APIS)}")
                self.api = str(data["api"])
            if "enabled" in data:
                self.enabled = bool(data["enabled"])
            if "rules" in data:
                self.rules = [self._rule(r) for r in data["rules"] or []]

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {"api": self.api, "enabled": self.enabled, "rules": copy.deepcopy(self.rules)}

    # ------------------------------------------------------------------------------------------------- internals

    @staticmethod
    def _rule(spec: Any) -> dict[str, Any]:
        if not isinstance(spec, dict) or "name" not in spec:
            raise InvalidArgument("firewall: each rule needs a name")
        rule = {"name": str(spec["name"]), "direction": "in", "protocol": "TCP", "local_port": "Any",
                "action": "allow", "enabled": True}
        rule.update({k: v for k, v in spec.items() if k in RULE_FIELDS})
        rule["local_port"] = str(rule["local_port"])
        return rule

    def _readable(self) -> None:
        if self.api == "none":
            raise StateError(NO_API_MESSAGE)

    def _writable(self) -> None:
        self._readable()
        if self.api != "netsecurity":
            raise StateError(READ_ONLY_MESSAGE)

    def _one(self, name: str) -> dict[str, Any] | None:
        found = [r for r in self.rules if same_name(r["name"], name)]  # names compare as OrdinalIgnoreCase
        if len(found) > 1:
            raise StateError(ambiguous_message(name, len(found)))
        return found[0] if found else None


# The healthy firewall of each platform (remediate/lab/platforms.py). On 2012 R2 and 2019 the firewall is on and
# inbound SMTP passes through the rule the host-firewall-port25 playbook manages; a WinRM rule stands for the
# rules that are not remediate's. Server 2003 has no advanced firewall (its Windows Firewall is the SharedAccess
# service in the services domain).
SMTP_RULE = {"name": "SMTP-In (remediate)", "direction": "in", "protocol": "TCP", "local_port": "25",
             "action": "allow", "enabled": True}
WINRM_RULE = {"name": "Windows Remote Management (HTTP-In)", "direction": "in", "protocol": "TCP",
              "local_port": "5985", "action": "allow", "enabled": True}
DEFAULTS: dict[str, dict[str, Any]] = {
    "win2003-ex2003": {"api": "none", "enabled": False, "rules": []},
    "win2012r2-ex2013": {"api": "netsecurity", "enabled": True, "rules": [WINRM_RULE, SMTP_RULE]},
    "win2019-ex2019": {"api": "netsecurity", "enabled": True, "rules": [WINRM_RULE, SMTP_RULE]},
}
