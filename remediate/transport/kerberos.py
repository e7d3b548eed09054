"""Kerberos for the WinRM transport: where the ticket comes from, and what a failure means to the person.

The wire is pywinrm's own Kerberos transport (its vendored requests-kerberos over pykerberos, the `kerberos` extra
of pywinrm): the SPN is `SERVICE@HOST` with HOST the endpoint's address unless the inventory overrides it, mutual
authentication is required, messages are sealed with the session key over HTTP, and over HTTPS the token carries
the channel binding of the server's certificate. This module adds the two things pywinrm leaves to the caller:

- **The ticket.** By default the user's credential cache (kinit, or the Windows logon on a domain-joined
  workstation) through the ordinary MIT/Heimdal defaults (KRB5CCNAME, krb5.conf). With a password reference the
  runner gets a ticket itself: one AS exchange per principal per process (python-krb5), into a `MEMORY:` cache
  that exists only in this process, never on disk. `ccache_scope` points GSSAPI at it for the calling thread only
  (gss_krb5_ccache_name, thread-local in MIT), so hosts using the user's cache and hosts using a password can run
  side by side in one run.
- **The errors.** pykerberos raises `GSSError`s whose second part holds the krb5 error code and text; `explain`
  turns the usual ones into a `KerberosError` with a `KerberosFailure` cause and a line that says what to do.
"""

from __future__ import annotations

import contextlib
import re
import threading
import uuid
from collections.abc import Iterator

from remediate.errors import KerberosError, KerberosFailure

try:
    from winrm.vendor.requests_kerberos.exceptions import KerberosExchangeError, MutualAuthenticationError
except ImportError:  # no pykerberos: pywinrm's Kerberos transport cannot run, so these are never raised

    class KerberosExchangeError(Exception):  # type: ignore[no-redef]
        """Stand-in for pywinrm's, which cannot be imported without pykerberos."""

    class MutualAuthenticationError(Exception):  # type: ignore[no-redef]
        """Stand-in for pywinrm's, which cannot be imported without pykerberos."""


INSTALL_HINT = "install the Kerberos extra: pip install 'remediate[kerberos]' (needs the system's krb5 libraries)"

# MIT krb5 error codes (com_err table "krb5", base -1765328384) that pykerberos and python-krb5 pass on.
_C_PRINCIPAL_UNKNOWN = -1765328378  # Client not found in Kerberos database
_S_PRINCIPAL_UNKNOWN = -1765328377  # Server not found in Kerberos database
_KEY_EXPIRED = -1765328361  # Password has expired
_PREAUTH_FAILED = -1765328360  # Preauthentication failed (a wrong password)
_BAD_INTEGRITY = -1765328353  # Decrypt integrity check failed (a wrong password without preauthentication)
_TKT_EXPIRED = -1765328352  # Ticket expired
_SKEW = -1765328347  # Clock skew too great
_CC_NOTFOUND = -1765328243  # No credentials / can't find client principal in cache collection
_REALM_UNKNOWN = -1765328230  # Cannot find KDC for realm
_KDC_UNREACH = -1765328228  # Cannot contact any KDC for realm
_FCC_NOFILE = -1765328189  # No credentials cache found
_REALM_CANT_RESOLVE = -1765328164  # Cannot resolve network address for KDC in realm
_GSS_CREDENTIALS_EXPIRED = 0xB0000  # GSS major status: the credential (the TGT) has expired


def available(with_password: bool = False) -> str | None:
    """None when pywinrm's Kerberos transport can run here (and, `with_password`, obtain a ticket itself);
    otherwise what is missing and how to get it."""
    try:
        import kerberos  # noqa: F401 - pykerberos, what pywinrm's vendored requests-kerberos imports
    except ImportError:
        return f"Kerberos needs pykerberos, which is not installed; {INSTALL_HINT}"
    if with_password:
        try:
            import gssapi  # noqa: F401 - selects the process-private cache per thread
            import krb5  # noqa: F401 - the AS exchange with the password
        except ImportError:
            return f"a Kerberos password reference needs python-gssapi and python-krb5; {INSTALL_HINT}"
    return None


# ------------------------------------------------------------------------------------------------ tickets
_tickets: dict[tuple[str, bool], str] = {}
_tickets_lock = threading.Lock()


def ticket_cache(host: str, principal: str, password: str, *, forwardable: bool = False) -> str:
    """The name of a process-private MEMORY cache holding a TGT for `principal`, obtained with `password` once per
    process (later hosts of the run reuse it). Raises KerberosError naming the cause; never echoes the password."""
    key = (principal, forwardable)
    with _tickets_lock:
        name = _tickets.get(key)
        if name is not None:
            return name
        try:
            import krb5
        except ImportError:
            raise KerberosError(host, KerberosFailure.NOT_INSTALLED, "cannot obtain a ticket with the password: "
                                f"python-krb5 is not installed; {INSTALL_HINT}") from None
        try:
            ctx = krb5.init_context()
            client = krb5.parse_name_flags(ctx, principal.encode("utf-8"))
            options = krb5.get_init_creds_opt_alloc(ctx)
            krb5.get_init_creds_opt_set_canonicalize(options, True)
            krb5.get_init_creds_opt_set_forwardable(options, forwardable)
            creds = krb5.get_init_creds_password(ctx, client, options, password=password.encode("utf-8"))
            name = f"MEMORY:remediate-{uuid.uuid4().hex}"
            cache = krb5.cc_resolve(ctx, name.encode("ascii"))
            krb5.cc_initialize(ctx, cache, creds.client)
            krb5.cc_store_cred(ctx, cache, creds)
        except krb5.Krb5Error as exc:
            raise explain_code(host, getattr(exc, "err_code", None), str(exc), principal=principal,
                               stage="obtaining a ticket with the password") from None
        _tickets[key] = name
        return name


def forget_tickets() -> None:
    """For tests: drop the process's obtained tickets, so the next host asks the KDC again."""
    with _tickets_lock:
        _tickets.clear()


@contextlib.contextmanager
def ccache_scope(name: str | None) -> Iterator[None]:
    """Make GSSAPI use the cache `name` for Kerberos calls made by this thread inside the block (None: the
    user's default cache, untouched). Thread-local in MIT krb5: other hosts' threads are not affected."""
    if name is None:
        yield
        return
    import gssapi.raw

    gssapi.raw.krb5_ccache_name(name.encode("ascii"))
    try:
        yield
    finally:
        gssapi.raw.krb5_ccache_name(None)  # back to the default (KRB5CCNAME, krb5.conf), not a frozen copy of it


# ------------------------------------------------------------------------------------------------ errors
_CODE = re.compile(r"(-17653\d{5})")


def explain_exchange(host: str, text: str, *, principal: str | None, spn: str, address: str) -> KerberosError:
    """A KerberosError for pywinrm's KerberosExchangeError text (which carries pykerberos' GSSError arguments)."""
    codes = [int(c) for c in _CODE.findall(text)]
    detail = _krb5_text(text)
    if not codes and str(_GSS_CREDENTIALS_EXPIRED) in text:
        codes = [_TKT_EXPIRED]
    return explain_code(host, codes[-1] if codes else None, detail, principal=principal, spn=spn, address=address,
                        stage="getting a service ticket")


def explain_code(host: str, code: int | None, detail: str, *, principal: str | None, stage: str,
                 spn: str | None = None, address: str | None = None) -> KerberosError:
    who = principal or "the credential cache's default principal"
    realm = principal.rpartition("@")[2] if principal and "@" in principal else None
    if code in (_CC_NOTFOUND, _FCC_NOFILE):
        return KerberosError(host, KerberosFailure.NO_TICKET, f"no Kerberos ticket for {who} ({detail}); run "
                             f"'kinit {principal or 'USER@REALM'}', or give the connection a password reference "
                             "to obtain one", code)
    if code == _TKT_EXPIRED:
        return KerberosError(host, KerberosFailure.TICKET_EXPIRED, f"the Kerberos ticket of {who} has expired; "
                             f"run 'kinit {principal or 'USER@REALM'}' again", code)
    if code == _SKEW:
        return KerberosError(host, KerberosFailure.CLOCK_SKEW, f"clock skew too great while {stage}: this "
                             "workstation's clock (as its Kerberos library sees it), the KDC's and the host's differ "
                             "by more than the allowed skew (5 minutes by default); synchronise them with the "
                             "domain's time source (w32tm, chrony, ntpd), then run kinit again", code)
    if code == _S_PRINCIPAL_UNKNOWN and "krbtgt/" in detail:
        target = detail.split("krbtgt/", 1)[1].split("@", 1)[0]
        return KerberosError(host, KerberosFailure.WRONG_REALM, f"host {address or host} maps to Kerberos realm "
                             f"{target}, which the realm of {who} does not trust ({detail}); reach the host by its "
                             "name in its own domain, map its DNS domain to the right realm in krb5.conf "
                             "([domain_realm]), or set connection.spn", code)
    if code == _S_PRINCIPAL_UNKNOWN:
        return KerberosError(host, KerberosFailure.UNKNOWN_SPN, f"the KDC knows no service principal {spn} "
                             f"({detail}); the SPN is derived from the address {address!r}: when the host is reached "
                             "by an alias or an IP address, set connection.spn to its registered name "
                             "(e.g. spn: HTTP/server.contoso.com; 'setspn -L SERVER' lists them)", code)
    if code in (_REALM_UNKNOWN, _REALM_CANT_RESOLVE):
        hint = ""
        if realm and realm != realm.upper():
            hint = ("; realm names are case-sensitive: an Active Directory realm is the domain in capitals "
                    f"({realm.upper()})")
        return KerberosError(host, KerberosFailure.WRONG_REALM, f"unknown Kerberos realm {realm or ''} while {stage} "
                             f"for {who} ({detail}): no KDC for it in krb5.conf (KRB5_CONFIG) or DNS{hint}", code)
    if code == _KDC_UNREACH:
        return KerberosError(host, KerberosFailure.KDC_UNREACHABLE, f"no KDC of realm {realm or ''} answered while "
                             f"{stage} ({detail}); check krb5.conf's [realms] and that a domain controller is "
                             "reachable on port 88", code)
    if code == _KEY_EXPIRED:
        return KerberosError(host, KerberosFailure.PASSWORD_EXPIRED, f"the password of {who} has expired; change it "
                             f"(kpasswd {principal or ''}, or at a Windows logon) and update the referenced secret",
                             code)
    if code in (_PREAUTH_FAILED, _BAD_INTEGRITY):
        return KerberosError(host, KerberosFailure.BAD_PASSWORD, f"the KDC refused the password of {who} "
                             "(wrong password)", code)
    if code == _C_PRINCIPAL_UNKNOWN:
        return KerberosError(host, KerberosFailure.UNKNOWN_PRINCIPAL, f"the KDC knows no user {who}; check "
                             "connection.user (a principal such as svc-remediate@CONTOSO.COM)", code)
    return KerberosError(host, KerberosFailure.OTHER, f"Kerberos failed while {stage} for {who}: {detail}", code)


def _krb5_text(text: str) -> str:
    """The library's own words from a GSSError argument dump: the minor (krb5) message, else the major one."""
    messages = re.findall(r"\(['\"](.+?)['\"], -?\d+\)", text)
    return messages[-1] if messages else " ".join(text.split())[:300]
