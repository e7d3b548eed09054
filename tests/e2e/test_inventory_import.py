"""`remediate inventory import`: Ansible inventories written the way Ansible's documentation writes them (the
inventory guide's INI and YAML layouts: ungrouped hosts, groups, `:children`, `:vars`, ranges, inline host vars,
group_vars/ and host_vars/ beside the file; the Windows guide's WinRM variables; the network guide's
`network_cli` routers) become remediate inventories that `remediate validate` accepts. Read with ansible-core's
own InventoryManager: nothing of Ansible's is imitated here.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from remediate.inventory import AuthTransport, Scheme, load_inventory

PASSWORD = "Sup3r-Secr3t!pw"
NET_PASSWORD = "r0uter-Pa55"

# The inventory guide's layout (ungrouped host, [group]s, a range, :children, :vars, an inline host variable)
# with the Windows guide's connection variables.
MAIL = ("mail.example.com ansible_host=192.0.2.25 ansible_connection=winrm ansible_user=Administrator "
        f"ansible_password={PASSWORD} ansible_winrm_transport=ntlm ansible_winrm_scheme=https")
WINDOWS_INI = f"""\
{MAIL}

[webservers]
foo.example.com
bar.example.com ansible_port=5985 ansible_winrm_scheme=http

[dbservers]
one.example.com
db-[a:c].example.com

[exchange:children]
webservers
dbservers

[exchange:vars]
ansible_user=svc-remediate@EXAMPLE.COM
ansible_password={PASSWORD}
ansible_connection=winrm
ansible_winrm_transport=kerberos
ansible_winrm_kerberos_delegation=true
ansible_winrm_ca_trust_path=/etc/pki/example-ca.pem
ansible_shell_type=powershell
smart_host=relay.example.com
"""
GROUP_VARS_DBSERVERS = """\
ansible_winrm_server_cert_validation: ignore
ansible_winrm_kinit_cmd: /usr/bin/kinit
db_port: 1433
"""
HOST_VARS_ONE = """\
ansible_winrm_kerberos_hostname_override: sql-one.example.com
"""

# The inventory guide's YAML layout, with the network guide's IOS routers and a vaulted password.
NETWORK_YAML = """\
all:
  hosts:
    mail.example.com:
  children:
    windows:
      hosts:
        ex2019a.example.com:
          ansible_host: 192.0.2.40
        ex2019b.example.com:
      vars:
        ansible_connection: winrm
        ansible_user: 'EXAMPLE\\svc-remediate'
        ansible_password: "{{ vault_winrm_password }}"
        ansible_winrm_transport: [ntlm, kerberos]
        ansible_winrm_server_cert_validation: validate
        inetpub_dir: 'C:\\Inetpub'
    routers:
      hosts:
        ios01:
          ansible_host: 192.0.2.1
        ios02:
          ansible_host: 192.0.2.2
      vars:
        ansible_connection: ansible.netcommon.network_cli
        ansible_network_os: cisco.ios.ios
        ansible_user: netops
        ansible_password: VAULTED
        ansible_become: yes
        ansible_become_method: enable
        ansible_become_password: enable-secret
        inspect_name: myfw
    switches:
      hosts:
        eos01:
          ansible_connection: ansible.netcommon.network_cli
          ansible_network_os: arista.eos.eos
"""

BOOK = """\
rules:
  - id: import-check
    title: Imported inventories render
    cause: test
    source: KB 0
    resources:
      - kind: registry_value
        hive: HKLM
        key: SOFTWARE\\Remediate\\Import
        name: Smart
        type: REG_SZ
        data: 'x'
"""


def _vaulted(text: str) -> str:
    """`text` as Ansible's own !vault block (ansible-core's VaultLib), indented for a YAML mapping value."""
    from ansible.constants import DEFAULT_VAULT_ID_MATCH
    from ansible.parsing.vault import VaultLib, VaultSecret

    blob = VaultLib([(DEFAULT_VAULT_ID_MATCH, VaultSecret(b"vault-pass"))]).encrypt(text).decode()
    return "!vault |\n" + "".join(f"          {line}\n" for line in blob.splitlines())


@pytest.fixture
def windows_ini(tmp_path: Path) -> Path:
    folder = tmp_path / "ansible"
    (folder / "group_vars").mkdir(parents=True)
    (folder / "host_vars").mkdir()
    (folder / "group_vars" / "dbservers.yml").write_text(GROUP_VARS_DBSERVERS)
    (folder / "host_vars" / "one.example.com.yml").write_text(HOST_VARS_ONE)
    path = folder / "hosts"
    path.write_text(WINDOWS_INI)
    return path


@pytest.fixture
def network_yaml(tmp_path: Path) -> Path:
    folder = tmp_path / "ansible"
    folder.mkdir()
    path = folder / "inventory.yml"
    path.write_text(NETWORK_YAML.replace("VAULTED", _vaulted(NET_PASSWORD).rstrip("\n")))
    return path


def _import(cli: Any, source: Path, out: Path, *extra: str) -> tuple[int, str, str]:
    return cli("inventory", "import", str(source), "-o", str(out), *extra)


def _validate(cli: Any, out: Path, write: Any, monkeypatch: pytest.MonkeyPatch, secrets: list[str]) -> None:
    for name in secrets:
        monkeypatch.setenv(name, "set-by-the-operator")
    code, stdout, stderr = cli("validate", "-i", str(out), "-p", str(write("book.yaml", BOOK)))
    assert code == 0, stdout + stderr
    assert "OK:" in stdout


def test_ini_with_children_vars_ranges_and_vars_folders(cli, write, windows_ini, tmp_path, monkeypatch):
    out = tmp_path / "inventory.yaml"
    code, stdout, stderr = _import(cli, windows_ini, out, "--json")
    assert code == 0, stderr
    report = json.loads(stdout)
    inventory = load_inventory(out)
    hosts = inventory.hosts
    assert sorted(hosts) == sorted(["mail.example.com", "foo.example.com", "bar.example.com", "one.example.com",
                                    "db-a.example.com", "db-b.example.com", "db-c.example.com"])
    mail = hosts["mail.example.com"].connection
    assert (mail.address, mail.transport, mail.user, mail.scheme) == ("192.0.2.25", AuthTransport.NTLM,
                                                                      "Administrator", Scheme.HTTPS)
    bar = hosts["bar.example.com"].connection
    assert (bar.port, bar.scheme, bar.transport) == (5985, Scheme.HTTP, AuthTransport.KERBEROS)
    assert bar.user == "svc-remediate@EXAMPLE.COM" and bar.kerberos_delegation
    assert bar.ca_file == "/etc/pki/example-ca.pem"
    # group_vars/dbservers.yml and host_vars/one.example.com.yml, with Ansible's precedence
    one = hosts["one.example.com"].connection
    assert one.validate_cert is False and one.spn == "HTTP/sql-one.example.com"
    assert hosts["db-b.example.com"].vars == {"smart_host": "relay.example.com", "db_port": 1433}
    assert hosts["foo.example.com"].connection.validate_cert is True
    assert set(inventory.groups) == {"webservers", "dbservers", "exchange"}
    assert set(inventory.groups["exchange"]) == set(hosts) - {"mail.example.com"}
    # One secret, one variable: the password is referenced, never copied.
    assert list(report["secrets"]) == ["REMEDIATE_PASSWORD_ADMINISTRATOR"]
    assert {h.connection.password.env for h in hosts.values()} == {"REMEDIATE_PASSWORD_ADMINISTRATOR"}
    assert PASSWORD not in out.read_text() and PASSWORD not in stdout + stderr
    assert report["unmapped"]["ansible_shell_type"]["why"].startswith("remediate always runs its agent")
    assert report["unmapped"]["ansible_winrm_kinit_cmd"]["hosts"] == ["db-a.example.com", "db-b.example.com",
                                                                       "db-c.example.com", "one.example.com"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    _validate(cli, out, write, monkeypatch, list(report["secrets"]))


def test_yaml_with_routers_vault_templates_and_hosts_it_cannot_manage(cli, write, network_yaml, tmp_path,
                                                                      monkeypatch):
    out = tmp_path / "inventory.yaml"
    code, stdout, stderr = _import(cli, network_yaml, out)
    assert code == 0, stderr
    inventory = load_inventory(out)
    assert sorted(inventory.hosts) == ["ex2019a.example.com", "ex2019b.example.com", "ios01", "ios02"]
    ios = inventory.hosts["ios01"].connection
    assert (ios.type, ios.address, ios.port, ios.user) == ("ios_ssh", "192.0.2.1", 22, "netops")
    assert inventory.hosts["ios01"].vars == {"inspect_name": "myfw"}
    ex = inventory.hosts["ex2019a.example.com"].connection
    assert (ex.address, ex.transport, ex.user) == ("192.0.2.40", AuthTransport.NTLM, "EXAMPLE\\svc-remediate")
    assert inventory.hosts["ex2019b.example.com"].vars == {"inetpub_dir": "C:\\Inetpub"}
    # The vaulted and the templated password each get their own variable; neither is copied.
    assert ios.password.env == "REMEDIATE_PASSWORD_NETOPS"
    assert ex.password.env == "REMEDIATE_PASSWORD_EXAMPLE_SVC_REMEDIATE"
    text = out.read_text()
    assert NET_PASSWORD not in text and "vault_winrm_password" not in text and "ANSIBLE_VAULT" not in text
    assert "enable-secret" not in text + stdout + stderr
    assert "skipped mail.example.com: ansible_connection ssh" in stderr
    assert "skipped eos01: network_cli with ansible_network_os arista.eos.eos: only Cisco IOS" in stderr
    assert "set REMEDIATE_PASSWORD_NETOPS to it" in stderr
    assert "unmapped ansible_become_password: not copied (a secret)" in stderr
    assert "unmapped ansible_become_method" in stderr
    _validate(cli, out, write, monkeypatch, ["REMEDIATE_PASSWORD_NETOPS", "REMEDIATE_PASSWORD_EXAMPLE_SVC_REMEDIATE"])


def test_printed_to_stdout_without_output_and_never_over_a_file(cli, windows_ini, tmp_path):
    code, stdout, stderr = cli("inventory", "import", str(windows_ini))
    assert code == 0 and "hosts:" in stdout and "Imported 7 host(s)" in stderr
    assert YAML(typ="safe").load(stdout)["hosts"]
    existing = tmp_path / "existing.yaml"
    existing.write_text("mine")
    code, _out, stderr = _import(cli, windows_ini, existing)
    assert code == 1 and "exists; use --force" in stderr and existing.read_text() == "mine"


def test_an_executable_inventory_is_never_run(cli, tmp_path):
    """Ansible's script plugin would execute it; the import only enables the yaml and ini plugins."""
    marker = tmp_path / "ran"
    script = tmp_path / "inventory.py"
    script.write_text(f"#!{sys.executable}\nimport pathlib\npathlib.Path({str(marker)!r}).write_text('x')\n"
                      "print('{\"_meta\": {\"hostvars\": {}}}')\n")
    script.chmod(0o755)
    code, _out, stderr = cli("inventory", "import", str(script))
    assert code == 1 and "Ansible cannot read this inventory" in stderr
    assert not marker.exists()


def test_missing_file_and_unparsable_inventory_are_clear_errors(cli, tmp_path):
    code, _out, stderr = cli("inventory", "import", str(tmp_path / "nope.yml"))
    assert code == 1 and "nope.yml: no such inventory file" in stderr
    bad = tmp_path / "bad.yml"
    bad.write_text("all:\n  hosts: [not, a, mapping\n")
    code, _out, stderr = cli("inventory", "import", str(bad))
    assert code == 1 and "Ansible cannot read this inventory" in stderr and "Traceback" not in stderr


def test_without_ansible_core_the_command_says_how_to_install_it(cli, windows_ini, monkeypatch):
    for name in [m for m in sys.modules if m == "ansible" or m.startswith("ansible.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "ansible", None)  # what a missing package looks like to import
    code, _out, stderr = cli("inventory", "import", str(windows_ini))
    assert code == 1
    assert "needs ansible-core, which is not installed; pip install 'remediate[ansible]'" in stderr


def test_environment_of_the_import_stays_the_callers(cli, windows_ini):
    before = {k: v for k, v in os.environ.items() if k.startswith("ANSIBLE_")}
    cli("inventory", "import", str(windows_ini))
    assert {k: v for k, v in os.environ.items() if k.startswith("ANSIBLE_")} == before


# The Windows guide's CredSSP host: remediate offers no transport that hands the password to the server
# (docs/security.md, "CredSSP is left out"); the import says what it chose instead, and validate accepts it.
CREDSSP_INI = f"""\
[credssp_upn]
ex-upn.example.com

[credssp_upn:vars]
ansible_connection=winrm
ansible_user=svc-remediate@EXAMPLE.COM
ansible_password={PASSWORD}
ansible_winrm_transport=credssp

[credssp_down]
ex-down.example.com

[credssp_down:vars]
ansible_connection=winrm
ansible_user=EXAMPLE\\svc-remediate
ansible_password={PASSWORD}
ansible_winrm_transport=credssp
"""


def test_credssp_is_imported_as_kerberos_or_ntlm_with_a_note(cli, write, tmp_path, monkeypatch):
    source = tmp_path / "ansible" / "hosts"
    source.parent.mkdir()
    source.write_text(CREDSSP_INI)
    out = tmp_path / "inventory.yaml"
    code, stdout, stderr = _import(cli, source, out, "--json")
    assert code == 0, stderr
    report = json.loads(stdout)
    hosts = load_inventory(out).hosts
    assert hosts["ex-upn.example.com"].connection.transport == AuthTransport.KERBEROS
    down = hosts["ex-down.example.com"].connection
    assert (down.transport, down.user) == (AuthTransport.NTLM, "EXAMPLE\\svc-remediate")
    notes = "\n".join(report["notes"])
    assert "ex-upn.example.com: CredSSP imported as kerberos: remediate does not hand the password to servers" \
        in notes
    assert "ex-down.example.com: CredSSP imported as ntlm" in notes
    assert "transport: credssp" not in out.read_text() and PASSWORD not in out.read_text() + stdout + stderr
    _validate(cli, out, write, monkeypatch, list(report["secrets"]))
