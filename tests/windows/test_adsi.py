"""ADSI (DirectoryEntry, DirectorySearcher) over the lab's Active Directory and IIS 6 metabase, without the
interpreter: each row is what a script's calls do to a host's state, as .NET and PowerShell's adapter document."""

from __future__ import annotations

from typing import Any

import pytest

from remediate.lab.windows import adsi, adsi_iis, adsi_ldap, adsi_search, clr
from remediate.lab.windows.refusal import NotModeled
from winb_hosts import Rt, rt_for

CONFIG = "CN=Configuration,DC=contoso,DC=com"
SERVER_2003 = ("CN=LAB1,CN=Servers,CN=First Administrative Group,CN=Administrative Groups,CN=Contoso,"
               "CN=Microsoft Exchange,CN=Services," + CONFIG)
VS1 = "CN=1,CN=SMTP,CN=Protocols," + SERVER_2003
FRONTEND = ("CN=Default Frontend LAB1,CN=SMTP Receive Connectors,CN=Protocols,CN=LAB1,CN=Servers,"
            "CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups,CN=Contoso,"
            "CN=Microsoft Exchange,CN=Services," + CONFIG)


def entry(rt: Rt, path: str) -> adsi.DirectoryEntry:
    return adsi.DirectoryEntry.new(rt, path)


def code(error: BaseException) -> int:
    return error.ErrorCode & 0xFFFFFFFF  # type: ignore[attr-defined]


# ---- binding -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("platform, path, hresult, ds", [
    ("win2003-ex2003", "LDAP://CN=Nobody," + CONFIG, 0x80072030, True),
    ("win2003-ex2003", "LDAP://CN=x,,DC=contoso", 0x80005000, False),
    ("win2003-ex2003", "LDAP://elsewhere.example/RootDSE", 0x8007203A, True),
    ("win2003-ex2003", "LDAP://", 0x80005000, False),
    ("win2003-ex2003", "IIS://localhost/SmtpSvc/7", 0x80070003, False),
    ("win2003-ex2003", "IIS://localhost/SmtpSvc/x1", 0x80070003, False),
    ("win2003-ex2003", "IIS://far-away/SmtpSvc/1", 0x800706BA, False),
    ("win2019-ex2019", "IIS://localhost/SmtpSvc", 0x80070003, False),  # no IIS 6 SMTP service on 2019
])
def test_bind_failures_are_the_providers_com_errors(platform: str, path: str, hresult: int, ds: bool) -> None:
    rt = rt_for(platform)
    target = entry(rt, path)  # constructing does not bind
    with pytest.raises(clr.COMException) as caught:
        target.Properties  # noqa: B018 - the first use binds
    assert code(caught.value) == hresult
    assert isinstance(caught.value, adsi.DirectoryServicesCOMException) is ds


@pytest.mark.parametrize("path, exists", [
    ("IIS://localhost/SmtpSvc/1", True), ("IIS://LOCALHOST/smtpsvc", True), ("IIS://lab1/SmtpSvc/1", True),
    ("IIS://localhost/SmtpSvc/2", False), ("LDAP://" + VS1, True), ("LDAP://cn=1, cn=smtp," + VS1[len("CN=1,CN=SMTP,"):], True),
    ("LDAP://CN=2,CN=SMTP,CN=Protocols," + SERVER_2003, False), ("LDAP://RootDSE", True),
])
def test_exists_answers_false_only_for_not_found(path: str, exists: bool) -> None:
    assert adsi.DirectoryEntry.Exists(rt_for("win2003-ex2003"), path) is exists


def test_exists_lets_other_errors_through() -> None:
    with pytest.raises(clr.COMException) as caught:
        adsi.DirectoryEntry.Exists(rt_for("win2003-ex2003"), "IIS://far-away/SmtpSvc/1")
    assert code(caught.value) == 0x800706BA


@pytest.mark.parametrize("path", ["IIS://localhost/W3SVC/1", "IIS://localhost/SmtpSvc/1/Domain", "WinNT://lab1"])
def test_paths_outside_the_model_are_refused(path: str) -> None:
    with pytest.raises(NotModeled):
        entry(rt_for("win2003-ex2003"), path).Properties  # noqa: B018


# ---- LDAP: RootDSE, searches, the Exchange 2003 VS object ------------------------------------------------------

def test_rootdse_names_the_naming_contexts() -> None:
    props = entry(rt_for("win2003-ex2003"), "LDAP://RootDSE").Properties
    assert props["configurationNamingContext"].Value == CONFIG
    assert props["defaultNamingContext"].Value == "DC=contoso,DC=com"
    assert props["namingContexts"].Count == 3 and isinstance(props["namingContexts"].Value, list)
    assert props["noSuchAttribute"].Value is None and props["noSuchAttribute"].Count == 0


@pytest.mark.parametrize("platform, filter_, scope, found", [
    ("win2003-ex2003", "(&(objectClass=msExchExchangeServer)(cn=LAB1))", None, [SERVER_2003]),
    ("win2003-ex2003", "(&(objectClass=msExchExchangeServer)(cn=lab1))", None, [SERVER_2003]),
    ("win2003-ex2003", "(&(objectClass=msExchExchangeServer)(cn=OTHER))", None, []),
    ("win2003-ex2003", "(&(objectClass=protocolCfgSMTPServer)(cn=1))", None, [VS1]),
    ("win2003-ex2003", "(&(objectClass=protocolCfgSMTPServer)(cn=\\31))", None, [VS1]),
    ("win2003-ex2003", "(&(objectClass=protocolCfgSMTPServer)(cn=\\2a))", None, []),
    ("win2003-ex2003", "(&(objectClass=protocolCfgSMTPServer)(msExchSmtpOutgoingPort=25))", None, [VS1]),
    ("win2003-ex2003", "(&(objectClass=protocolCfgSMTPServer)(!(msExchSmtpSmartHost=*)))", None, [VS1]),
    ("win2003-ex2003", "(|(cn=LAB*)(cn=*SMTP*))", None, [SERVER_2003, "CN=SMTP,CN=Protocols," + SERVER_2003]),
    ("win2003-ex2003", "objectClass=protocolCfgSMTPServer", None, [VS1]),
    ("win2003-ex2003", "(objectClass=msExchExchangeServer)", "OneLevel", []),
    ("win2019-ex2019", "(objectClass=msExchSmtpReceiveConnector)", None, [FRONTEND]),
    ("win2019-ex2019", "(&(objectClass=protocolCfgSMTPServer))", None, []),
])
def test_searches_below_the_configuration_container(platform: str, filter_: str, scope: str | None,
                                                    found: list[str]) -> None:
    rt = rt_for(platform)
    searcher = adsi_search.DirectorySearcher.new(rt)
    searcher.SearchRoot = entry(rt, "LDAP://" + CONFIG)
    searcher.Filter = filter_
    if scope:
        searcher.SearchScope = scope
    results = searcher.FindAll()
    paths = [r.Path for r in results]
    if platform == "win2019-ex2019" and found:
        paths = paths[:1]  # the five receive connectors setup creates: the first is Default Frontend
    assert paths == ["LDAP://" + dn for dn in found]
    assert results.Count == len(list(results))


def test_search_results_have_lowercase_properties_and_bind_their_entry() -> None:
    rt = rt_for("win2003-ex2003")
    searcher = adsi_search.DirectorySearcher.new(rt, entry(rt, "LDAP://DC01/" + CONFIG), "(cn=LAB1)")
    searcher.PropertiesToLoad.Add("objectClass")
    result = searcher.FindOne()
    assert result.Path == "LDAP://DC01/" + SERVER_2003
    assert result.Properties.PropertyNames == ["objectclass", "adspath"]
    assert list(result.Properties["ObjectClass"]) == ["top", "server", "msExchExchangeServer"]
    assert result.Properties["cn"].Count == 0  # not loaded: an empty collection, not null
    assert result.GetDirectoryEntry().SchemaClassName == "msExchExchangeServer"
    searcher.Filter = "(cn=nobody)"
    assert searcher.FindOne() is None


@pytest.mark.parametrize("filter_", ["(cn=a", "(&)", "((cn=a))", "(cn=a(b)", "(cn=\\zz)"])
def test_invalid_filters_are_argument_exceptions(filter_: str) -> None:
    rt = rt_for("win2003-ex2003")
    searcher = adsi_search.DirectorySearcher.new(rt, filter_)
    with pytest.raises(clr.ArgumentException, match=r"search filter is invalid"):
        searcher.FindAll()


def test_searching_the_metabase_is_not_supported() -> None:
    rt = rt_for("win2003-ex2003")
    searcher = adsi_search.DirectorySearcher.new(rt, entry(rt, "IIS://localhost/SmtpSvc"))
    with pytest.raises(clr.NotSupportedException):
        searcher.FindAll()


def vs_entry(rt: Rt) -> adsi.DirectoryEntry:
    return entry(rt, "LDAP://" + VS1)


@pytest.mark.parametrize("edits, committed, expected", [
    # (attribute, value or None to Clear()), whether CommitChanges runs, the directory's values afterwards
    ([("msExchSmtpSmartHost", "[10.0.0.25]")], True, {"msExchSmtpSmartHost": "[10.0.0.25]"}),
    ([("msExchSmtpSmartHost", "[10.0.0.25]")], False, {"msExchSmtpSmartHost": None}),
    ([("msExchSmtpSmartHostType", 2), ("msExchSmtpSmartHost", "relay.contoso.com")], True,
     {"msExchSmtpSmartHostType": 2, "msExchSmtpSmartHost": "relay.contoso.com"}),
    ([("msExchSmtpOutgoingPort", None)], True, {"msExchSmtpOutgoingPort": None}),
    # the cache keeps the last operation of a property: a Clear of an unset attribute followed by a value is a write
    ([("msExchSmtpSmartHost", None), ("msExchSmtpSmartHost", "relay.contoso.com")], True,
     {"msExchSmtpSmartHost": "relay.contoso.com"}),
])
def test_property_value_collection_edits_are_written_by_commit(edits: list[tuple[str, Any]], committed: bool,
                                                               expected: dict[str, Any]) -> None:
    rt = rt_for("win2003-ex2003")
    target = vs_entry(rt)
    props = target.Properties
    for name, value in edits:
        if value is None:
            props[name].Clear()
        else:
            props[name].Value = value
    if committed:
        target.CommitChanges()
    for name, value in expected.items():
        assert rt.machine.directory.get(1, name) == value


@pytest.mark.parametrize("name, value, hresult", [
    ("msExchSmtpSmartHost", None, 0x8007200A),  # clearing what is not set: LDAP noSuchAttribute
    ("msExchSmtpSmartHostType", -1, 0x8007202F),  # out of the attribute's range
    ("msExchSmtpSmartHostType", "2", 0x8000500C),  # a string for an integer attribute
    ("msExchSmtpSmartHost", ["a.contoso.com", "b.contoso.com"], 0x8007202F),  # two values, single-valued
])
def test_commit_failures(name: str, value: Any, hresult: int) -> None:
    rt = rt_for("win2003-ex2003")
    target = vs_entry(rt)
    if value is None:
        target.Properties[name].Clear()
    else:
        target.Properties[name].Value = value
    with pytest.raises(clr.COMException) as caught:
        target.CommitChanges()
    assert code(caught.value) == hresult


def test_refresh_cache_drops_uncommitted_changes_and_rereads() -> None:
    rt = rt_for("win2003-ex2003")
    target = vs_entry(rt)
    target.Properties["msExchSmtpSmartHostType"].Value = 1
    assert target.Properties["msExchSmtpSmartHostType"].Value == 1
    assert target.RefreshCache() is clr.VOID
    assert target.Properties["msExchSmtpSmartHostType"].Value == 0
    rt.machine.directory.put(1, "msExchSmtpSmartHostType", 2)  # changed behind the entry's back
    assert target.Properties["msExchSmtpSmartHostType"].Value == 0  # the cache still holds what it read
    target.RefreshCache()
    assert target.Properties["msExchSmtpSmartHostType"].Value == 2


def test_receive_connector_banner_through_ldap() -> None:
    rt = rt_for("win2019-ex2019")
    target = entry(rt, "LDAP://DC01.contoso.com/" + FRONTEND.replace("/", "\\/"))
    values = target.Properties["msExchSmtpReceiveBanner"]
    assert values.Count == 0
    values.Value = "ESMTP ready"
    target.CommitChanges()
    assert rt.machine.exchange.receive_banner(None) == "ESMTP ready"
    target.Properties["msExchSmtpReceiveBanner"].Clear()
    target.CommitChanges()
    assert rt.machine.exchange.receive_banner(None) is None


def test_tree_navigation() -> None:
    rt = rt_for("win2003-ex2003")
    server = entry(rt, "LDAP://" + SERVER_2003)
    assert (server.Name, server.SchemaClassName) == ("CN=LAB1", "msExchExchangeServer")
    assert [c.Path for c in server.Children] == ["LDAP://CN=Protocols," + SERVER_2003]
    assert server.Parent.Path == "LDAP://" + SERVER_2003.split(",", 1)[1]
    assert server.Children.Find("CN=Protocols").SchemaClassName == "container"


# ---- IIS: PowerShell's adapter returns the native methods' $null; inheritance; GetDataPaths -------------------

def iis(rt: Rt, instance: str = "/1") -> adsi.DirectoryEntry:
    return entry(rt, "IIS://localhost/SmtpSvc" + instance)


@pytest.mark.parametrize("calls, local", [
    ([("Put", "SmartHost", "relay.contoso.com"), ("SetInfo",)], {"local": True, "type": "STRING",
                                                                  "value": "relay.contoso.com"}),
    ([("Put", "SmartHost", "relay.contoso.com")], {"local": False}),  # not written without SetInfo
    ([("Put", "RemoteSmtpPort", -2), ("SetInfo",)], {"local": True, "type": "DWORD", "value": 4294967294}),
    ([("Put", "RemoteSmtpPort", "587"), ("SetInfo",)], {"local": True, "type": "DWORD", "value": 587}),
    ([("PutEx", 1, "RemoteSmtpPort", None), ("SetInfo",)], {"local": False}),
    ([("Invoke", "Put", "RemoteSmtpPort", 26), ("Invoke", "SetInfo")], {"local": True, "type": "DWORD", "value": 26}),
])
def test_put_putex_setinfo_return_null_and_write(calls: list[tuple[Any, ...]], local: dict[str, Any]) -> None:
    rt = rt_for("win2003-ex2003")
    target = iis(rt)
    for method, *args in calls:
        assert getattr(target, method)(*args) is None  # $null, not AutomationNull: the adapter's result
    prop = next(a for c in calls for a in c[1:] if isinstance(a, str) and a not in ("Put", "SetInfo"))
    assert rt.machine.metabase.local("/LM/SMTPSVC/1", prop) == local


@pytest.mark.parametrize("instance, prop, value", [
    ("/1", "RemoteSmtpPort", 25),  # set on the instance
    ("/1", "SmtpRemoteProgressiveRetry", "15,30,60,240"),  # inherited from /LM/SMTPSVC
    ("/1", "RemoteTimeout", 600),  # set nowhere: the schema's default
    ("", "SmtpRemoteProgressiveRetry", "15,30,60,240"),
])
def test_get_answers_inherited_values(instance: str, prop: str, value: Any) -> None:
    assert iis(rt_for("win2003-ex2003"), instance).Get(prop) == value


def test_dword_reads_back_as_signed_int32() -> None:
    rt = rt_for("win2003-ex2003", metabase={"paths": {"/LM/SMTPSVC/1": {"RemoteTimeout": 4294967295}}})
    value = iis(rt).Get("RemoteTimeout")
    assert value == -1 and type(value) is int


def test_get_of_a_property_without_value_is_property_not_found() -> None:
    with pytest.raises(clr.COMException) as caught:
        iis(rt_for("win2003-ex2003")).Get("SmartHost")
    assert code(caught.value) == 0x8000500D


@pytest.mark.parametrize("instance, prop, paths", [
    ("/1", "RemoteSmtpPort", ["IIS://localhost/SmtpSvc/1"]),
    ("", "RemoteSmtpPort", ["IIS://localhost/SmtpSvc/1"]),
    ("", "SmtpRemoteProgressiveRetry", ["IIS://localhost/SmtpSvc"]),
    ("/1", "SmtpRemoteProgressiveRetry", None),  # only inherited here: MD_ERROR_DATA_NOT_FOUND
    ("/1", "SmartHost", None),
])
def test_get_data_paths_lists_where_the_property_is_set(instance: str, prop: str, paths: list[str] | None) -> None:
    target = iis(rt_for("win2003-ex2003"), instance)
    if paths is None:
        with pytest.raises(clr.COMException) as caught:
            target.GetDataPaths(prop, 0)
        assert caught.value.ErrorCode == -2146646015  # 0x800CC801 as the agent compares it
    else:
        assert target.GetDataPaths(prop, 0) == paths


def test_type_mismatch_and_unmodelled_properties() -> None:
    rt = rt_for("win2003-ex2003")
    target = iis(rt)
    target.Put("RemoteSmtpPort", "twenty-five")
    with pytest.raises(clr.COMException) as caught:
        target.SetInfo()
    assert code(caught.value) == 0x80020005
    with pytest.raises(NotModeled):
        iis(rt).Get("MaxMessageSize")


def test_providers_are_registered_by_their_modules() -> None:
    assert adsi.PROVIDERS == {"ldap:": adsi_ldap.bind, "iis:": adsi_iis.bind}
