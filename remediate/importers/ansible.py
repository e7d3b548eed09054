"""Ansible inventories into remediate inventories, read by ansible-core's own parser (`remediate[ansible]`).

Contract:
- MUST read the inventory exactly as Ansible does: `InventoryManager` with its `yaml` and `ini` plugins only (the
  `script` plugin would run an executable file, `auto` would load arbitrary plugins), `group_vars/` and
  `host_vars/` beside the file through Ansible's own vars plugin, each host's variables combined with Ansible's
  precedence (all < parent groups < child groups < host).
- MUST NOT copy a password: `ansible_password` and its aliases (plain, `!vault`-encrypted or templated) become an
  `{env: NAME}` reference, one variable per distinct secret, and a note says which variable to set for which
  hosts. The secret is compared in memory to share one variable between hosts, and never written or printed.
- Imports Windows hosts (`ansible_connection: winrm`, also `psrp`) and Cisco IOS devices
  (`network_cli` with `ansible_network_os: ios`); any other host is skipped and reported.
- MUST report every Ansible variable it did not map (`ansible_*` with no counterpart, secret-named site variables,
  which remediate refuses): nothing is dropped silently. Other variables are copied to `vars:` as values (Jinja
  in them is not evaluated, and a note says so).
- The result is hoisted for readability without changing any host's settings: a value shared by every imported
  host goes to the top level, one shared by every member of a group to that group (so remediate's merge order
  cannot matter), the rest stays on the host. `validate_cert: false` stays per host, as remediate requires.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from remediate.importers.ansible_source import (
    AnsibleImportError,
    exact_text,
    is_vaulted,
    plain_value,
    read_ansible,
)
from remediate.importers.layout import hoist

__all__ = ["AnsibleImportError", "ImportResult", "convert"]
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_SECRET_NAME = re.compile(r"pass(word|wd|phrase)|secret|credential", re.IGNORECASE)

_PASSWORD_VARS = ("ansible_password", "ansible_winrm_password", "ansible_winrm_pass", "ansible_ssh_pass",
                  "ansible_ssh_password", "ansible_psrp_password", "ansible_psrp_pass")
_ADDRESS_VARS = ("ansible_host", "ansible_winrm_host", "ansible_psrp_host", "ansible_ssh_host")
_PORT_VARS = ("ansible_port", "ansible_winrm_port", "ansible_psrp_port", "ansible_ssh_port")
_USER_VARS = ("ansible_user", "ansible_winrm_user", "ansible_psrp_user", "ansible_ssh_user")
# Ansible variables that say something remediate already does or that have no meaning for it: reported, with why.
_NO_COUNTERPART = {
    "ansible_shell_type": "remediate always runs its agent in Windows PowerShell",
    "ansible_become": "remediate's account must already hold the rights it needs",
    "ansible_become_method": "remediate's account must already hold the rights it needs",
    "ansible_become_user": "remediate's account must already hold the rights it needs",
    "ansible_become_password": "not copied (a secret); remediate's IOS user must log in at privilege 15",
    "ansible_become_pass": "not copied (a secret); remediate's IOS user must log in at privilege 15",
    "ansible_winrm_kinit_cmd": "remediate obtains tickets itself (python-krb5), no kinit command",
    "ansible_winrm_kinit_args": "remediate obtains tickets itself (python-krb5), no kinit command",
    "ansible_winrm_kinit_env_vars": "remediate obtains tickets itself (python-krb5), no kinit command",
    "ansible_winrm_send_cbt": "remediate always sends the channel binding over HTTPS",
    "ansible_winrm_read_timeout_sec": "remediate derives it from the operation timeout",
    "ansible_winrm_message_encryption": "remediate always encrypts over HTTP and relies on TLS over HTTPS",
    "ansible_ssh_private_key_file": "remediate's IOS connection authenticates with a password",
    "ansible_python_interpreter": "no Python runs on the managed hosts",
}


@dataclass
class ImportResult:
    """The remediate inventory (a plain document) and what the person must know about it."""

    inventory: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    # variable -> where it was set (host names) and why it has no counterpart
    unmapped: dict[str, tuple[list[str], str]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # host -> why it was not imported
    secrets: dict[str, list[str]] = field(default_factory=dict)  # environment variable -> hosts that need it


def convert(path: Path) -> ImportResult:
    """Read the Ansible inventory at `path` and build the remediate inventory (see the module's contract)."""
    hosts, members = read_ansible(path)
    result = ImportResult({})
    secrets = _Secrets(result)
    per_host: dict[str, dict[str, dict[str, Any]]] = {}
    names: dict[str, str] = {}
    for name, variables in hosts.items():
        kind = _kind(variables)
        if isinstance(kind, str) and kind.startswith("skip:"):
            result.skipped[name] = kind[5:]
            continue
        name = exact_text(name)
        target = name if _NAME.match(name) else re.sub(r"[^A-Za-z0-9_.\-]", "-", name).strip("-.") or "host"
        names[name] = target
        mapper = _HostMapper(name, variables, kind, result, secrets)
        per_host[target] = {"connection": mapper.connection(), "vars": mapper.site_vars()}
    result.inventory = hoist(per_host, {g: [names[h] for h in hs if h in names] for g, hs in members.items()})
    return result


def _kind(variables: dict[str, Any]) -> str:
    """"winrm", "psrp" or "ios"; "skip:<why>" for a host remediate does not manage. Short and collection names
    (winrm, ansible.builtin.winrm; ios, cisco.ios.ios) are the same to Ansible."""
    connection = exact_text(variables.get("ansible_connection", "ssh"))
    short = connection.rsplit(".", 1)[-1]
    if short in ("winrm", "psrp"):
        return short
    if short == "network_cli":
        network_os = exact_text(variables.get("ansible_network_os", ""))
        if network_os.rsplit(".", 1)[-1] == "ios":
            return "ios"
        return f"skip:network_cli with ansible_network_os {network_os or '(unset)'}: only Cisco IOS is managed"
    return f"skip:ansible_connection {connection}: not a Windows (winrm) host or a Cisco IOS device"


class _Secrets:
    """One environment variable per distinct secret; the secret itself is only compared, never kept or shown."""

    def __init__(self, result: ImportResult) -> None:
        self._result = result
        self._by_secret: dict[Any, str] = {}

    def reference(self, host: str, user: str | None, value: Any) -> dict[str, str]:
        key = _secret_key(value)
        name = self._by_secret.get(key)
        if name is None:
            base = "REMEDIATE_PASSWORD" + ("_" + re.sub(r"[^A-Z0-9]", "_", user.upper()).strip("_") if user else "")
            name, number = base, 2
            while name in self._result.secrets:
                name, number = f"{base}_{number}", number + 1
            self._by_secret[key] = name
            self._result.secrets[name] = []
        self._result.secrets[name].append(host)
        return {"env": name}


def _secret_key(value: Any) -> Any:
    # A !vault value cannot be read without the vault password: its ciphertext identifies it instead.
    ciphertext = getattr(value, "_ciphertext", None)
    if ciphertext is None:
        return ("plain", str(value))
    return ("vault", ciphertext if isinstance(ciphertext, str) else bytes(ciphertext).decode("ascii", "replace"))


class _HostMapper:
    def __init__(self, host: str, variables: dict[str, Any], kind: str, result: ImportResult,
                 secrets: _Secrets) -> None:
        self.host, self.vars, self.kind, self.result, self.secrets = host, variables, kind, result, secrets
        self.used: set[str] = {"ansible_connection", "ansible_network_os"}

    def _get(self, *names: str) -> Any:
        for name in names:
            if name in self.vars:
                self.used.update(n for n in names if n in self.vars)
                return self.vars[name]
        return None

    def _unmapped(self, name: str, why: str) -> None:
        hosts, _ = self.result.unmapped.setdefault(exact_text(name), ([], why))
        hosts.append(self.host)
        self.used.add(name)

    def connection(self) -> dict[str, Any]:
        conn: dict[str, Any] = {"address": exact_text(self._get(*_ADDRESS_VARS) or self.host)}
        port = self._get(*_PORT_VARS)
        if port is not None:
            conn["port"] = int(port)
        user = self._get(*_USER_VARS)
        if user is not None:
            conn["user"] = exact_text(user)
        password = self._get(*_PASSWORD_VARS)
        use_password = True
        if self.kind == "ios":
            conn["type"] = "ios_ssh"
            checking = self._get("ansible_host_key_checking", "ansible_ssh_host_key_checking")
            if str(checking).lower() in ("false", "no", "0"):
                conn["validate_cert"] = False
        else:
            use_password = self._winrm(conn, user)
        if password is not None and use_password:
            conn["password"] = self.secrets.reference(self.host, conn.get("user"), password)
        if "user" not in conn and conn.get("transport") != "kerberos":
            self.result.notes.append(f"{self.host}: no ansible_user: Ansible would log on as the local user; "
                                     "set connection.user before running remediate")
        if "password" not in conn and conn.get("transport") != "kerberos":
            self.result.notes.append(f"{self.host}: no password in the inventory (Ansible would prompt or use "
                                     "a vault); add password: {env: NAME} before running remediate")
        return conn

    def _winrm(self, conn: dict[str, Any], user: Any) -> bool:
        """Fill the WinRM settings; False when the password must not be used (Kerberos in manual kinit mode)."""
        prefix = "ansible_psrp_" if self.kind == "psrp" else "ansible_winrm_"
        if self.kind == "psrp":
            self.result.notes.append(f"{self.host}: ansible_connection psrp (PowerShell remoting over WinRM) "
                                     "imported as remediate's WinRM connection")
        scheme = self._get(prefix + "scheme", "ansible_psrp_protocol")
        if scheme is None and conn.get("port") == 5985:
            scheme = "http"  # Ansible's default: http on 5985, https otherwise
        if scheme is not None:
            conn["scheme"] = exact_text(scheme).lower()
        transport = self._transport(user)
        conn["transport"] = transport
        validation = self._get(prefix + "server_cert_validation", "ansible_psrp_cert_validation")
        if validation is not None and str(validation).lower() in ("ignore", "false", "no"):
            conn["validate_cert"] = False
        ca = self._get(prefix + "ca_trust_path", "ansible_psrp_ca_path")
        if ca is not None:
            conn["ca_file"] = str(Path(exact_text(ca)).expanduser().resolve())
        timeout = self._get(prefix + "operation_timeout_sec", prefix + "connection_timeout",
                            "ansible_psrp_operation_timeout", "ansible_psrp_connection_timeout")
        if timeout is not None:
            conn["operation_timeout"] = int(float(timeout))
        path = self._get(prefix + "path", "ansible_psrp_path")
        if path is not None and str(path).rstrip("/") != "/wsman":
            self._unmapped(prefix + "path", f"remediate always uses /wsman (found {path})")
        return self._kerberos(conn, prefix, transport)

    def _transport(self, user: Any) -> str:
        wanted = self._get("ansible_winrm_transport", "ansible_psrp_auth")
        if wanted is None:
            # Ansible's own default: Kerberos for a user@REALM, Basic otherwise (remediate takes NTLM).
            choices = ["kerberos"] if user and "@" in str(user) else ["basic"]
        elif isinstance(wanted, (list, tuple)):
            choices = [str(w).strip().lower() for w in wanted]
        else:
            choices = [w.strip().lower() for w in str(wanted).split(",")]
        for choice in choices:
            if choice in ("ntlm", "kerberos"):
                return choice
            if choice == "negotiate":
                return "kerberos" if user and "@" in str(user) else "ntlm"
            if choice in ("basic", "plaintext", "ssl"):
                self.result.notes.append(f"{self.host}: Basic authentication (Ansible's {choice}) imported as "
                                         "NTLM: it never sends the password itself, and remediate refuses "
                                         "Basic over plain HTTP")
                return "ntlm"
            if choice == "credssp":
                taken = "kerberos" if user and "@" in str(user) else "ntlm"
                self.result.notes.append(f"{self.host}: CredSSP imported as {taken}: remediate does not hand the "
                                         "password to servers (docs/security.md)")
                return taken
        self.result.notes.append(f"{self.host}: transport {', '.join(choices)} has no counterpart (certificate "
                                 "authentication is not supported); imported as ntlm: set a user and password")
        return "ntlm"

    def _kerberos(self, conn: dict[str, Any], prefix: str, transport: str) -> bool:
        override = self._get(prefix + "kerberos_hostname_override")
        service = self._get(prefix + "service", "ansible_psrp_negotiate_service")
        delegation = self._get(prefix + "kerberos_delegation", "ansible_psrp_negotiate_delegate")
        mode = self._get("ansible_winrm_kinit_mode")
        if transport != "kerberos":
            for name, value in ((prefix + "kerberos_hostname_override", override), (prefix + "service", service),
                                (prefix + "kerberos_delegation", delegation), ("ansible_winrm_kinit_mode", mode)):
                if value is not None:
                    self._unmapped(name, f"only meaningful with Kerberos; this host uses {transport}")
            return True
        if override is not None or (service is not None and str(service).upper() != "HTTP"):
            conn["spn"] = exact_text(f"{service or 'HTTP'}/{override or conn['address']}")
        if delegation is not None and str(delegation).lower() in ("true", "yes", "1"):
            conn["kerberos_delegation"] = True
        use_password = True
        if str(mode).lower() == "manual" and self._get(*_PASSWORD_VARS) is not None:
            use_password = False  # Ansible was told to use the user's ticket: so is remediate
            self.result.notes.append(f"{self.host}: ansible_winrm_kinit_mode manual: the ticket comes from your "
                                     "credential cache (kinit); the password in the inventory is not used")
        user = conn.get("user")
        if user and "\\" in user:
            self.result.notes.append(f"{self.host}: Kerberos needs a principal (user@REALM), not {user}: fix "
                                     "connection.user before running remediate")
            conn.pop("user")
            use_password = False  # a password needs its principal
        return use_password

    def site_vars(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in self.vars.items():
            if name in self.used:
                continue
            if name in _NO_COUNTERPART:
                self._unmapped(name, _NO_COUNTERPART[name])
            elif name.startswith("ansible_"):
                self._unmapped(name, "no counterpart in remediate")
            elif is_vaulted(value):
                self._unmapped(name, "not copied: vault-encrypted")
            elif _SECRET_NAME.search(name):
                self._unmapped(name, "not copied: named like a secret, and remediate takes no secrets as "
                                     "variables")
            else:
                plain = plain_value(value)
                if "{{" in repr(plain) or "{%" in repr(plain):
                    self.result.notes.append(f"{self.host}: variable {name} holds Jinja, copied as text (remediate "
                                             "does not evaluate inventory variables)")
                out[exact_text(name)] = plain
        return out


