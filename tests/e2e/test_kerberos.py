"""Kerberos end to end: a real MIT KDC (krb5kdc on a free loopback port, realm in the test's folder), tickets from
kinit or from a password reference, pywinrm's own Kerberos transport, and the lab's pyspnego/GSSAPI acceptor.

Nothing is patched and nothing system-wide is configured: KRB5_CONFIG, KRB5_KTNAME and KRB5CCNAME point into the
test's folder through monkeypatch. The errors a person meets are produced for real: by the KDC (unknown SPN,
unknown realm, expired password, clock skew), by the client library (no ticket), by the acceptor (a ticket for
another host).
"""

from __future__ import annotations

import contextlib
import json
import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from remediate.lab.fleet import HostScenario, Lab, Scenario
from remediate.lab.kdc import KdcRealm
from remediate.transport import kerberos

KEY = "SOFTWARE\\Remediate\\Kerberos"
DRIFTED = {"HKLM": {KEY: {"Port": {"type": "REG_DWORD", "data": 24}}}}
DESIRED = [{"hive": "HKLM", "key": KEY, "name": "Port", "type": "REG_DWORD", "data": 25},
           {"hive": "HKLM", "key": KEY, "name": "Banner", "type": "REG_SZ", "data": "220 kerberos"}]
PRINCIPAL = "remediate@REMEDIATE.LAB"


@pytest.fixture
def realm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[KdcRealm]:
    """A started realm; this process's Kerberos environment points into the test's folder only."""
    realm = KdcRealm(tmp_path / "krb").start()
    for name, value in realm.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("KRB5CCNAME", f"FILE:{tmp_path / 'ccache'}")
    kerberos.forget_tickets()
    yield realm
    realm.stop()
    kerberos.forget_tickets()


@pytest.fixture
def kerberos_lab(realm: KdcRealm, tmp_path: Path, lab_password: str) -> Iterator[Callable[..., Lab]]:
    """kerberos_lab(ticket="cache"|"password", https=False, cbt_hardening=..., edit=fn) -> a started lab whose
    inventory (tmp_path/inventory.yaml) uses transport: kerberos. "cache": no password in the inventory and a
    ticket from MIT's kinit in KRB5CCNAME; "password": the inventory references the password, remediate gets the
    ticket. `edit(inventory_dict)` changes the inventory before it is written."""
    labs: list[Lab] = []

    def _make(ticket: str = "cache", https: bool = False, cbt_hardening: str = "relaxed",
              edit: Callable[[dict[str, Any]], None] | None = None, kinit: bool = True,
              hosts: tuple[str, ...] = ("ex1",)) -> Lab:
        scenario = Scenario("kerberos", "", [HostScenario(h, "win2019-ex2019", [], {}, {"registry": DRIFTED})
                                             for h in hosts])
        lab = Lab(scenario, password=lab_password, auth="kerberos", kerberos=realm, https=https,
                  tls_dir=tmp_path / "tls" if https else None, cbt_hardening=cbt_hardening).start()
        labs.append(lab)
        inventory = lab.inventory()
        if ticket == "cache":
            del inventory["groups"]["lab"]["connection"]
            if kinit:
                realm.kinit(PRINCIPAL, lab_password, f"FILE:{tmp_path / 'ccache'}")
        if edit:
            edit(inventory)
        with (tmp_path / "inventory.yaml").open("w", encoding="utf-8") as fh:
            YAML().dump(inventory, fh)
        return lab

    yield _make
    for lab in labs:
        lab.stop()


@pytest.mark.parametrize(("ticket", "https"), [("cache", False), ("password", False), ("cache", True)],
                         ids=["kinit-ticket-http-sealed", "password-ticket-http-sealed", "kinit-ticket-https-cbt"])
def test_plan_and_apply_over_kerberos(kerberos_lab, cli, playbook, ticket, https):
    lab = kerberos_lab(ticket=ticket, https=https, cbt_hardening="strict")
    host = lab.hosts["ex1"]
    book = playbook(DESIRED)
    code, plan = cli.json("plan", "-p", str(book))
    assert code == 2, plan
    assert [i["action"] for i in plan["hosts"][0]["items"]] == ["update", "create"]
    assert lab.total_writes() == 0
    code, result = cli.json("apply", "-p", str(book), "--yes")
    assert code == 0, result
    assert result["hosts"][0]["outcome"] == "applied"
    assert host.sim.registry.get("HKLM", KEY, "Port")["data"] == 25
    code, plan = cli.json("plan", "-p", str(book))
    assert code == 0, plan
    counters = host.endpoint.counters.snapshot()
    assert counters.kerberos_logons >= 1
    # Over HTTP the lab refuses any unencrypted body (AllowUnencrypted=false): every message was sealed with the
    # Kerberos session key. Over HTTPS with strict hardening every logon carried the certificate's binding.
    assert not host.endpoint.config.allow_unencrypted
    if https:
        assert counters.channel_bound_logons == counters.kerberos_logons


def test_a_password_ticket_is_obtained_once_and_never_lands_on_disk(kerberos_lab, cli, playbook, tmp_path):
    lab = kerberos_lab(ticket="password", hosts=("ex1", "ex2"))
    code, plan = cli.json("plan", "-p", str(playbook(DESIRED)))
    assert code == 2, plan
    assert all(lab.hosts[h].endpoint.counters.snapshot().kerberos_logons == 1 for h in ("ex1", "ex2"))
    assert not (tmp_path / "ccache").exists()  # the user's cache was neither needed nor written
    assert len(kerberos._tickets) == 1  # one AS exchange for the principal, shared by both hosts


def _error(cli, playbook) -> dict[str, Any]:
    code, plan = cli.json("plan", "-p", str(playbook(DESIRED)))
    assert code == 1, plan
    error = plan["hosts"][0]["error"]
    assert error["type"] == "authentication"
    code, _out, err = cli("plan", "-p", str(playbook(DESIRED)))
    assert code == 1
    return {"message": error["message"], "terminal": _out + err}


def test_no_ticket(kerberos_lab, cli, playbook):
    kerberos_lab(ticket="cache", kinit=False)
    error = _error(cli, playbook)
    assert "no Kerberos ticket for remediate@REMEDIATE.LAB" in error["message"]
    assert "run 'kinit remediate@REMEDIATE.LAB', or give the connection a password reference" in error["message"]
    assert "no Kerberos ticket" in error["terminal"]


def test_clock_skew(kerberos_lab, cli, playbook, tmp_path):
    """The workstation's Kerberos library believes the KDC's clock is an hour ahead of its own.

    MIT keeps that belief in the credential cache itself: the file's header holds a DeltaTime tag (the KDC's time
    minus local time, which kinit records with kdc_timesync, on by default) that every later request adds to the
    local clock. Writing an hour there is what a workstation whose clock jumped after kinit looks like to the KDC:
    the TGS request's authenticator is an hour off, and the real KDC answers KRB_AP_ERR_SKEW.
    (Format: MIT's "Credential cache file format", header tag 1.) No faked system time, no library hook.
    """
    kerberos_lab(ticket="cache")
    cache = tmp_path / "ccache"
    data = cache.read_bytes()
    version, header_length = struct.unpack(">HH", data[:4])
    assert version == 0x0504
    header = struct.pack(">HHii", 1, 8, 3600, 0)  # DeltaTime: +3600 s, 0 us
    cache.write_bytes(struct.pack(">HH", version, len(header)) + header + data[4 + header_length:])
    error = _error(cli, playbook)
    assert "clock skew too great while getting a service ticket" in error["message"]
    assert "synchronise them with the domain's time source" in error["message"]


def test_unknown_spn(kerberos_lab, cli, playbook):
    """Reached by IP address without `spn:`: pywinrm derives HTTP/127.0.0.1, which no account holds."""
    kerberos_lab(ticket="cache", edit=lambda inv: inv["hosts"]["ex1"]["connection"].pop("spn"))
    error = _error(cli, playbook)
    assert "the KDC knows no service principal HTTP/127.0.0.1" in error["message"]
    assert "set connection.spn to its registered name" in error["message"]


def test_wrong_realm_of_the_user(kerberos_lab, cli, playbook):
    """Realms are case-sensitive: the domain name in lower case is a realm no KDC serves."""
    def lower(inventory: dict[str, Any]) -> None:
        inventory["connection"]["user"] = "remediate@remediate.lab"

    kerberos_lab(ticket="password", edit=lower)
    error = _error(cli, playbook)
    assert 'unknown Kerberos realm remediate.lab while obtaining a ticket with the password' in error["message"]
    assert "realm names are case-sensitive" in error["message"] and "(REMEDIATE.LAB)" in error["message"]


def test_wrong_realm_of_the_host(kerberos_lab, cli, playbook):
    """The host's name maps to a realm the user's realm has no trust with: the KDC has no cross-realm key."""
    kerberos_lab(ticket="cache", edit=lambda inv: inv["hosts"]["ex1"]["connection"].update(
        spn="HTTP/ex1.fabrikam.example"))
    error = _error(cli, playbook)
    assert "maps to Kerberos realm FABRIKAM.EXAMPLE, which the realm of remediate@REMEDIATE.LAB does not trust" \
        in error["message"]


def test_expired_password(kerberos_lab, realm, cli, playbook, monkeypatch):
    realm.add_user("expired", "old-Pa55word", password_expired=True)
    monkeypatch.setenv("EXPIRED_PASSWORD", "old-Pa55word")

    def expired(inventory: dict[str, Any]) -> None:
        inventory["connection"]["user"] = "expired@REMEDIATE.LAB"
        inventory["groups"]["lab"]["connection"]["password"] = {"env": "EXPIRED_PASSWORD"}

    kerberos_lab(ticket="password", edit=expired)
    error = _error(cli, playbook)
    assert "the password of expired@REMEDIATE.LAB has expired; change it" in error["message"]
    assert "old-Pa55word" not in json.dumps(error)


def test_wrong_password_and_unknown_user(kerberos_lab, realm, cli, playbook, monkeypatch):
    monkeypatch.setenv("REMEDIATE_LAB_PASSWORD", "not-the-password")
    kerberos_lab(ticket="password")
    assert "the KDC refused the password of remediate@REMEDIATE.LAB" in _error(cli, playbook)["message"]


def test_a_ticket_for_another_host_is_refused_by_the_host(kerberos_lab, cli, playbook):
    """ex1 presents a valid ticket for ex2's principal: ex1 has no key for it (each host its own account)."""
    kerberos_lab(ticket="cache", hosts=("ex1", "ex2"), edit=lambda inv: inv["hosts"]["ex1"]["connection"].update(
        spn=inv["hosts"]["ex2"]["connection"]["spn"]))
    code, plan = cli.json("plan", "-p", str(playbook(DESIRED)))
    assert code == 1
    errors = {h["host"]: h.get("error") for h in plan["hosts"]}
    assert errors["ex2"] is None
    assert "refused the Kerberos ticket of remediate@REMEDIATE.LAB for HTTP/ex2.remediate.lab (HTTP 401)" \
        in errors["ex1"]["message"]



@contextlib.contextmanager
def _localhost(realm, tmp_path, lab_password, **config):
    """A lab host reached as `localhost` over Kerberos/HTTP with no `spn:` (HTTP/localhost, the principal its
    acceptor holds), a kinit ticket, and a handler that echoes stdin: (endpoint, the inventory's Host)."""
    from remediate.inventory import load_inventory
    from remediate.lab.wsman import AuthMode, CommandOutput, EndpointConfig, WSManLab
    from remediate.lab.wsman.kerberos import KerberosService

    realm.add_user("remediate", lab_password)
    realm.add_service("HTTP/localhost")
    realm.kinit(PRINCIPAL, lab_password, f"FILE:{tmp_path / 'ccache'}")
    endpoint_config = EndpointConfig(users={"remediate": lab_password}, auth=frozenset({AuthMode.KERBEROS}),
                                     kerberos=KerberosService("HTTP", "localhost"), **config)
    with WSManLab() as lab:
        endpoint = lab.add_host("local", lambda c, a, s: CommandOutput(b"seen:" + s, b"", 0), endpoint_config)
        inventory = tmp_path / "inventory.yaml"
        inventory.write_text(f"connection: {{transport: kerberos, scheme: http}}\n"
                             f"hosts: {{local: {{connection: {{address: localhost, port: {endpoint.port}}}}}}}\n")
        yield endpoint, load_inventory(inventory).hosts["local"]


def test_the_spn_is_derived_from_the_address_as_pywinrm_does(realm, tmp_path, lab_password):
    """No `spn:`: the host reached as `localhost` is HTTP/localhost, the principal its acceptor holds."""
    from remediate.transport.winrm import WinRMConnection

    with _localhost(realm, tmp_path, lab_password) as (endpoint, host):
        assert (host.connection.spn_service, host.connection.spn_host) == ("HTTP", "localhost")
        with WinRMConnection(host, None) as connection:
            result = connection.run("agent", [], b"data")
        assert result.stdout == b"seen:data"
        assert endpoint.counters.snapshot().kerberos_logons == 1


@pytest.mark.parametrize(("https", "hardening", "handshake"), [(False, "relaxed", 1), (True, "relaxed", 0),
                                                               (True, "strict", 1)],
                         ids=["http-sealed", "https-relaxed", "https-strict-cbt"])
def test_kerberos_costs_at_most_one_request_more_than_basic(kerberos_lab, cli, playbook, https, hardening,
                                                             handshake):
    """pywinrm sends its Kerberos token with the first request (no 401 round trip as with NTLM): over HTTP the
    empty POST that sets up sealing carries it; over HTTPS the first WinRS request does, plus one 401 and retry
    when the server insists on channel binding. The 5 WinRS requests of a plan (Create, Command, Send, Receive,
    Delete) then follow on the same connection, as in tests/e2e/test_request_counts.py."""
    lab = kerberos_lab(ticket="cache", https=https, cbt_hardening=hardening)
    counters = lab.hosts["ex1"].endpoint.counters
    counters.reset()
    code, _out, err = cli("plan", "-p", str(playbook(DESIRED)))
    assert code == 2, err
    seen = counters.snapshot()
    assert seen.kerberos_logons == 1
    assert seen.requests == 5 + handshake


def test_the_password_never_shows_in_the_trace_or_the_plan(kerberos_lab, cli, playbook, lab_password, tmp_path):
    kerberos_lab(ticket="password")
    plan_file = tmp_path / "plan.json"
    code, out, err = cli("--debug", "plan", "-i", str(cli.inventory), "-p", str(playbook(DESIRED)), "-o",
                         str(plan_file))
    assert code == 2, err
    assert "Authorization: Negotiate ******** (" in err  # the trace shows the Kerberos exchange, tokens masked
    for text in (out, err, plan_file.read_text()):
        assert lab_password not in text


@pytest.mark.parametrize("protocol", ["kerberos", "negotiate"], ids=["raw-kerberos", "spnego"])
@pytest.mark.parametrize("bound", [True, False], ids=["channel-bound", "unbound"])
def test_the_acceptor_takes_raw_and_spnego_tokens_and_checks_the_binding(realm, tmp_path, lab_password, protocol,
                                                                          bound):
    """pywinrm sends raw Kerberos tokens; pypsrp and curl --negotiate wrap them in SPNEGO. Under strict hardening
    a token without the certificate's binding is refused, one bound to another certificate always is."""
    import spnego
    from spnego.channel_bindings import GssChannelBindings

    from remediate.lab.wsman.kerberos import KerberosAcceptor, KerberosError, KerberosService

    realm.add_user("remediate", lab_password)
    realm.add_service("HTTP/ex1.remediate.lab")
    realm.kinit(PRINCIPAL, lab_password, f"FILE:{tmp_path / 'ccache'}")
    cert_hash = b"\x01" * 32
    service = KerberosService("HTTP", "ex1.remediate.lab", cbt_hardening="strict")

    def token(application_data: bytes | None) -> bytes:
        bindings = GssChannelBindings(application_data=application_data) if application_data else None
        client = spnego.client(hostname="ex1.remediate.lab", service="HTTP", protocol=protocol,
                               channel_bindings=bindings)
        return client.step()

    acceptor = KerberosAcceptor(service, cert_hash)
    if bound:
        acceptor.accept(token(b"tls-server-end-point:" + cert_hash))
        assert acceptor.complete and acceptor.channel_bound and acceptor.user == PRINCIPAL
    else:
        with pytest.raises(KerberosError, match="no channel binding"):
            acceptor.accept(token(None))
    with pytest.raises(KerberosError, match="Kerberos logon refused"):
        KerberosAcceptor(service, cert_hash).accept(token(b"tls-server-end-point:" + b"\x02" * 32))


def test_a_connection_closed_while_idle_is_logged_on_again(realm, tmp_path, lab_password):
    """HTTP.sys closes a keep-alive connection idle for 120 s (the lab's idle_timeout, here 0.3 s): requests
    reconnects, requests_kerberos logs on again and resends the message sealed under the old context; the host
    cannot read it (400) and the connection sends it again over a new session (remediate/transport/winrm.py)."""
    import time

    from remediate.transport.winrm import WinRMConnection

    with _localhost(realm, tmp_path, lab_password, idle_timeout=0.3) as (endpoint, host):
        with WinRMConnection(host, None) as connection:
            assert connection.run("agent", [], b"one").stdout == b"seen:one"
            time.sleep(0.9)
            assert connection.run("agent", [], b"two").stdout == b"seen:two"
        assert endpoint.counters.snapshot().kerberos_logons >= 2
