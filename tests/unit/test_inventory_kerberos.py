"""transport: kerberos in the inventory: what may be left out, what is refused, what the SPN becomes; and the
mapping of krb5 error codes onto causes a person can act on (the codes are MIT's own, as the KDC sends them)."""

from __future__ import annotations

from typing import Any

import pytest

from remediate.errors import InputError, KerberosFailure
from remediate.inventory import AuthTransport, load_inventory
from remediate.transport import kerberos


def _inventory(write, connection: dict[str, Any], host: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    import json

    doc = {"connection": {"transport": "kerberos", **connection},
           "hosts": {"ex1": {"connection": {"address": "ex1.contoso.com", **(host or {})}}}}
    return load_inventory(write("inventory.yaml", json.dumps(doc)))


@pytest.mark.parametrize("connection, host, user, password, spn_service, spn_host", [
    ({}, {}, None, None, "HTTP", "ex1.contoso.com"),  # the cache's default principal and ticket
    ({"user": "svc@CONTOSO.COM"}, {}, "svc@CONTOSO.COM", None, "HTTP", "ex1.contoso.com"),
    ({"user": "svc@CONTOSO.COM", "password": {"env": "P"}}, {}, "svc@CONTOSO.COM", "P", "HTTP", "ex1.contoso.com"),
    ({}, {"spn": "HTTP/ex1.corp.contoso.com"}, None, None, "HTTP", "ex1.corp.contoso.com"),  # reached by alias
    ({"spn": "WSMAN/ex1"}, {}, None, None, "WSMAN", "ex1"),
], ids=["cache", "cache-principal", "password", "spn-override", "spn-service"])
def test_kerberos_connections(write, connection, host, user, password, spn_service, spn_host):
    conn = _inventory(write, connection, host).hosts["ex1"].connection
    assert conn.transport is AuthTransport.KERBEROS
    assert conn.user == user
    assert (conn.password.env if conn.password else None) == password
    assert (conn.spn_service, conn.spn_host) == (spn_service, spn_host)
    assert conn.scheme.value == "https" and conn.port == 5986  # safe defaults hold for Kerberos too


@pytest.mark.parametrize("connection, host, field, words", [
    ({"password": {"env": "P"}}, {}, "user", "no user: name the principal the password belongs to"),
    ({"user": "CONTOSO\\svc"}, {}, "user", "a Kerberos user is a principal, USER@REALM"),
    ({"transport": "ntlm", "user": "u", "password": {"env": "P"}}, {"spn": "HTTP/x"}, "spn",
     "spn applies to transport: kerberos only"),
    ({"transport": "ntlm", "user": "u", "password": {"env": "P"}}, {"kerberos_delegation": True},
     "kerberos_delegation", "applies to transport: kerberos only"),
    ({}, {"spn": "HTTP/ex1@CONTOSO.COM"}, "spn", "should match pattern"),  # no realm: [domain_realm] decides it
    ({}, {"spn": "ex1.contoso.com"}, "spn", "should match pattern"),
    ({}, {"transport": "credssp"}, "transport", "CredSSP is not offered: it hands your password to every server"),
], ids=["password-without-user", "down-level-name", "spn-with-ntlm", "delegation-with-ntlm", "spn-realm",
        "spn-no-service", "credssp"])
def test_kerberos_refusals(write, connection, host, field, words):
    with pytest.raises(InputError) as caught:
        _inventory(write, connection, host)
    assert field in str(caught.value.location) and words in caught.value.problem


@pytest.mark.parametrize("code, cause, words", [
    (-1765328243, KerberosFailure.NO_TICKET, "run 'kinit svc@CONTOSO.COM'"),
    (-1765328189, KerberosFailure.NO_TICKET, "no Kerberos ticket for svc@CONTOSO.COM"),
    (-1765328352, KerberosFailure.TICKET_EXPIRED, "has expired; run 'kinit svc@CONTOSO.COM' again"),
    (-1765328347, KerberosFailure.CLOCK_SKEW, "clock skew too great"),
    (-1765328377, KerberosFailure.UNKNOWN_SPN, "the KDC knows no service principal HTTP/10.0.0.5"),
    (-1765328230, KerberosFailure.WRONG_REALM, "unknown Kerberos realm CONTOSO.COM"),
    (-1765328228, KerberosFailure.KDC_UNREACHABLE, "no KDC of realm CONTOSO.COM answered"),
    (-1765328361, KerberosFailure.PASSWORD_EXPIRED, "the password of svc@CONTOSO.COM has expired"),
    (-1765328360, KerberosFailure.BAD_PASSWORD, "refused the password"),
    (-1765328353, KerberosFailure.BAD_PASSWORD, "refused the password"),
    (-1765328378, KerberosFailure.UNKNOWN_PRINCIPAL, "the KDC knows no user svc@CONTOSO.COM"),
    (-1765328999, KerberosFailure.OTHER, "Kerberos failed while testing for svc@CONTOSO.COM: something"),
    (None, KerberosFailure.OTHER, "something"),
])
def test_krb5_codes_become_causes(code, cause, words):
    error = kerberos.explain_code("ex1", code, "something", principal="svc@CONTOSO.COM", stage="testing",
                                  spn="HTTP/10.0.0.5", address="10.0.0.5")
    assert error.cause is cause and error.code == code and words in error.problem
    assert error.host == "ex1" and str(error).startswith("host ex1: ")


def test_pywinrm_exchange_text_is_read_for_the_code_and_the_library_words():
    text = ("authGSSClientStep() failed: (('Unspecified GSS failure.  Minor code may provide more information', "
            "851968), ('Server krbtgt/FABRIKAM.COM@CONTOSO.COM not found in Kerberos database', -1765328377))")
    error = kerberos.explain_exchange("ex1", text, principal=None, spn="HTTP/ex1.fabrikam.com",
                                      address="ex1.fabrikam.com")
    assert error.cause is KerberosFailure.WRONG_REALM
    assert "maps to Kerberos realm FABRIKAM.COM" in error.problem
    assert "the credential cache's default principal" in error.problem


@pytest.mark.parametrize("missing, with_password, words", [
    ("kerberos", False, "Kerberos needs pykerberos, which is not installed"),
    ("krb5", True, "a Kerberos password reference needs python-gssapi and python-krb5"),
])
def test_a_missing_library_says_how_to_install_it(monkeypatch, missing, with_password, words):
    import sys

    assert kerberos.available(with_password=True) is None  # the test extra installs them all
    monkeypatch.setitem(sys.modules, missing, None)  # what an absent package looks like to `import`
    message = kerberos.available(with_password=with_password)
    assert message is not None and words in message and "pip install 'remediate[kerberos]'" in message
