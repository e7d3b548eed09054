"""The lab's model of Windows' name and path rules (remediate/lab/state/wintext.py) and of Exchange's SmartHosts,
and where the product's own normalisation (remediate/resources/wintext.py, exchange_send_connector.py) disagrees.

DISAGREEMENTS lists each case where the product and the documented Windows rule differ today. They are findings for
the product, not for the lab: the test keeps them visible (and fails once the product agrees, so the entry goes).
"""

from __future__ import annotations

import pytest

from remediate.lab.state import InvalidArgument
from remediate.lab.state.exchange import SimExchange, is_host_name
from remediate.lab.state.wintext import folder_key, normalize_path, same_name, same_path, upper_invariant
from remediate.resources import wintext as product
from remediate.resources.exchange_send_connector import is_wire_smart_host


@pytest.mark.parametrize(("text", "upper"), [
    ("smtpsvc", "SMTPSVC"),
    ("\u00df", "\u00df"),  # sharp s: no simple upper case (Python's upper() is "SS", casefold "ss")
    ("\u1fb3", "\u1fbc"),  # alpha with ypogegrammeni: UnicodeData's simple upper case
    ("\u0131", "\u0131"),  # dotless i: itself on Windows (dotnet/runtime pal_casing.c)
    ("\u017f", "S"),  # long s
    ("\U00010428", "\U00010428"),  # Deseret: a surrogate pair, unmapped by .NET Framework
    ("\u01c6", "\u01c4"),
])
def test_upper_invariant(text: str, upper: str) -> None:
    assert upper_invariant(text) == upper


def test_ordinal_ignore_case() -> None:
    assert same_name("MSExchangeTransport", "msexchangetransport")
    assert not same_name("stra\u00dfe", "STRASSE")
    assert not same_name("\u0131", "I") and not same_name("\u0131", "i")


@pytest.mark.parametrize(("left", "right", "same"), [
    ("C:\\Foo", "c:\\foo\\", True),
    ("C:\\Foo", "C:\\\\Foo", True),
    ("C:/Foo/Bar", "C:\\Foo\\Bar", True),  # forward slashes are separators
    ("C:\\Foo\\.\\Bar\\..", "C:\\Foo", True),  # relative components
    ("C:\\..\\Foo", "C:\\Foo", True),  # .. never passes the root
    ("C:\\Foo.", "C:\\Foo", True),  # trailing period and spaces of the last segment
    ("C:\\Foo  ", "C:\\Foo", True),
    ("C:\\Foo.\\Bar", "C:\\Foo\\Bar", True),  # a segment ending in a single period
    ("C:\\Foo...\\Bar", "C:\\Foo\\Bar", False),  # three periods are a name
    ("\\\\srv\\share\\..\\x", "\\\\srv\\share\\x", True),  # the UNC root is server and share
    ("\\\\?\\C:\\Foo.", "C:\\Foo", False),  # \\?\ skips normalisation
    ("C:\\", "C:", False),  # the root vs the drive's current directory
    ("Foo", "C:\\Foo", False),  # relative: the lab has no current directory
])
def test_same_path(left: str, right: str, same: bool) -> None:
    assert same_path(left, right) is same


def test_normalize_keeps_spelling_and_trailing_separator() -> None:
    assert normalize_path("C:/Program Files/Foo/") == "C:\\Program Files\\Foo\\"
    assert folder_key("C:\\") == "C:\\"


@pytest.mark.parametrize(("host", "ok"), [
    ("relay.contoso.com", True), ("Relay.Contoso.COM", True), ("relay", True), ("a-b.example", True),
    ("-relay.example", False), ("relay_1.example", False), ("relay..example", False), ("relay.example.", False),
    ("relay.123", False),  # RFC 1123 2.1: the highest-level label is alphabetic
    ("10.1.1.300", False), ("a" * 64 + ".example", False), (".".join(["a" * 63] * 4), False),
])
def test_smart_host_names(host: str, ok: bool) -> None:
    assert is_host_name(host) is ok


def test_smart_hosts_load_as_exchange_keeps_them() -> None:
    exchange = SimExchange()
    exchange.load({"send_connectors": {"Out": {"dns_routing_enabled": False,
                                               "smart_hosts": ["10.1.1.5", "Relay.Contoso.com", "[10.0.0.1]"]}}})
    assert exchange.send_connector("out")["smart_hosts"] == ["[10.1.1.5]", "Relay.Contoso.com", "[10.0.0.1]"]
    for bad in ("relay.123", "2001:db8::25", "relay_1.example"):
        with pytest.raises(InvalidArgument):
            exchange.load({"send_connectors": {"Out": {"dns_routing_enabled": False, "smart_hosts": [bad]}}})


# (what, product's answer, Windows' answer as the lab models it)
DISAGREEMENTS = [
    ("dotless i compares equal to I", product.fold("\u0131") == product.fold("I"), same_name("\u0131", "I")),
    ("C:/Foo is C:\\Foo", product.normalize_path("C:/Foo") == product.normalize_path("C:\\Foo"),
     same_path("C:/Foo", "C:\\Foo")),
    ("C:\\Foo\\..\\Bar is C:\\Bar", product.normalize_path("C:\\Foo\\..\\Bar") == "C:\\Bar",
     same_path("C:\\Foo\\..\\Bar", "C:\\Bar")),
    ("C:\\Foo. is C:\\Foo", product.normalize_path("C:\\Foo.") == "C:\\Foo", same_path("C:\\Foo.", "C:\\Foo")),
    ("relay.123 is a smart host name", is_wire_smart_host("relay.123"), is_host_name("relay.123")),
]


@pytest.mark.parametrize(("what", "product_says", "windows_says"), DISAGREEMENTS, ids=[d[0] for d in DISAGREEMENTS])
def test_known_disagreements_with_the_product(what: str, product_says: bool, windows_says: bool) -> None:
    assert product_says != windows_says, f"the product now agrees with Windows on '{what}': drop the entry"


def test_defender_state_resolves_paths_as_windows() -> None:
    """The simulated Defender keys its exclusions by the folder Windows resolves, not by the product's spelling."""
    from remediate.lab.state.defender import SimDefender

    defender = SimDefender()
    defender.load({"installed": True, "exclusions": {"path": ["C:\\Program Files\\Foo"]}})
    assert defender.get("path", "c:/program files/foo/") == {"exists": True}
    assert defender.get("path", "C:\\Program Files\\Bar\\..\\Foo.") == {"exists": True}
    defender.add("path", "C:\\PROGRAM FILES\\FOO\\")
    assert defender.snapshot()["exclusions"]["path"] == ["C:\\Program Files\\Foo"]
    assert defender.excludes("path", "files/foo")
