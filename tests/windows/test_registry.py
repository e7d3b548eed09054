"""Microsoft.Win32.Registry / RegistryKey over the lab registry (remediate/lab/windows/registry.py)."""

from __future__ import annotations

import pytest
from lab_hosts import ctx_for

from remediate.lab.windows import clr
from remediate.lab.windows.registry import Registry, RegistryKey, RegistryValueKind, RegistryValueOptions

KEY = "SOFTWARE\\Lab"
VALUES = {
    "sz": {"type": "REG_SZ", "data": "text"},
    "expand": {"type": "REG_EXPAND_SZ", "data": "%SystemRoot%\\x"},
    "multi": {"type": "REG_MULTI_SZ", "data": ["a", "b"]},
    "dword": {"type": "REG_DWORD", "data": 4294967295},
    "qword": {"type": "REG_QWORD", "data": "18446744073709551615"},
    "binary": {"type": "REG_BINARY", "data": "00ff"},
    "none": {"type": "REG_NONE", "data": "0102"},
    "link": {"type": "REG_LINK", "data": "5c00"},
    "reslist": {"type": "REG_RESOURCE_LIST", "data": "01"},
    "fullres": {"type": "REG_FULL_RESOURCE_DESCRIPTOR", "data": "02"},
    "reqlist": {"type": "REG_RESOURCE_REQUIREMENTS_LIST", "data": "03"},
    "bigendian": {"type": "REG_DWORD_BIG_ENDIAN", "data": "00000001"},
    "unknown": {"type": 42, "data": "0a0b"},
}


def hklm(platform: str = "win2019-ex2019", deny: tuple[str, ...] = ()) -> RegistryKey:
    ctx = ctx_for(platform, registry={"HKLM": {KEY: VALUES, "SOFTWARE\\Locked": {"v": {"type": "REG_SZ",
                                                                                         "data": "x"}}}})
    ctx.machine.registry.deny_write.update(deny)
    return Registry.LocalMachine(ctx)


def key(platform: str = "win2019-ex2019") -> RegistryKey:
    found = hklm(platform).OpenSubKey(KEY, False)
    assert found is not None
    return found


def plain(value):
    return [int(v) if isinstance(v, int) else v for v in value] if isinstance(value, list) else value


@pytest.mark.parametrize("name, net5, net2, kind5, kind2", [
    ("sz", "text", "text", "String", "String"),
    ("multi", ["a", "b"], ["a", "b"], "MultiString", "MultiString"),
    ("dword", -1, -1, "DWord", "DWord"),
    ("qword", -1, -1, "QWord", "QWord"),
    ("binary", [0, 255], [0, 255], "Binary", "Binary"),
    # .NET 4 returns REG_NONE's bytes; .NET 2.0 (PowerShell 2.0's CLR) returns null. Both say Unknown: None is -1.
    ("none", [1, 2], None, "Unknown", "Unknown"),
    # Issue 18 defect 4: these kinds read as null (the default) and their kind is Unknown.
    ("link", None, None, "Unknown", "Unknown"),
    ("reslist", None, None, "Unknown", "Unknown"),
    ("fullres", None, None, "Unknown", "Unknown"),
    ("reqlist", None, None, "Unknown", "Unknown"),
    ("unknown", None, None, "Unknown", "Unknown"),
    ("bigendian", [0, 0, 0, 1], [0, 0, 0, 1], "Unknown", "Unknown"),
])
def test_get_value_and_kind_per_type(name, net5, net2, kind5, kind2):
    for platform, want, kind in (("win2019-ex2019", net5, kind5), ("win2003-ex2003", net2, kind2)):
        opened = key(platform)
        assert plain(opened.GetValue(name)) == want, platform
        assert opened.GetValue(name, "dflt") == ("dflt" if want is None else opened.GetValue(name))
        assert opened.GetValueKind(name).name == kind


def test_typed_results():
    opened = key()
    assert opened.GetValue("multi").element_type == "System.String"
    assert opened.GetValue("binary").element_type == "System.Byte"
    assert isinstance(opened.GetValue("qword"), clr.Int64)
    assert type(opened.GetValue("dword")) is int


def test_expand_string_is_expanded_unless_asked_not_to():
    opened = key()
    raw = opened.GetValue("expand", None, RegistryValueOptions.member("DoNotExpandEnvironmentNames"))
    assert raw == "%SystemRoot%\\x"


def test_missing_values_and_keys():
    opened = key()
    assert opened.GetValue("absent") is None
    with pytest.raises(clr.IOException, match="The specified registry key does not exist."):
        opened.GetValueKind("absent")
    assert hklm().OpenSubKey("SOFTWARE\\Nope") is None


def test_names_keep_their_spelling_and_lookups_ignore_case():
    root = hklm()
    opened = root.OpenSubKey("software\\LAB")
    assert opened.Name == "HKEY_LOCAL_MACHINE\\SOFTWARE\\Lab"
    assert list(opened.GetValueNames()) == list(VALUES)
    assert "Lab" in list(root.OpenSubKey("SOFTWARE").GetSubKeyNames())
    assert opened.GetValue("SZ") == "text"


def test_set_value_round_trips_through_the_lab_state():
    root = hklm()
    created = root.CreateSubKey("SOFTWARE\\New\\Deep")
    created.SetValue("d", -1, RegistryValueKind.member("DWord"))
    created.SetValue("q", clr.Int64(-2), RegistryValueKind.member("QWord"))
    created.SetValue("m", clr.TypedArray("System.String", ["x", ""]), RegistryValueKind.member("MultiString"))
    created.SetValue("b", clr.TypedArray("System.Byte", [clr.Byte(1)]), RegistryValueKind.member("Binary"))
    created.SetValue("n", clr.TypedArray("System.Byte", [clr.Byte(2)]), RegistryValueKind.member("None"))
    created.SetValue("s", 5)  # SetValue(name, Int32) infers DWord
    registry = root._machine.registry
    assert registry.get("HKLM", "SOFTWARE\\New\\Deep", "d") == {"exists": True, "type": "REG_DWORD",
                                                                "data": 4294967295}
    assert registry.get("HKLM", "SOFTWARE\\New\\Deep", "q")["data"] == "18446744073709551614"
    assert registry.get("HKLM", "SOFTWARE\\New\\Deep", "m")["data"] == ["x", ""]
    assert registry.get("HKLM", "SOFTWARE\\New\\Deep", "n") == {"exists": True, "type": "REG_NONE", "data": "02"}
    assert registry.get("HKLM", "SOFTWARE\\New\\Deep", "s")["type"] == "REG_DWORD"
    created.DeleteValue("d", False)
    assert registry.get("HKLM", "SOFTWARE\\New\\Deep", "d") == {"exists": False}
    with pytest.raises(clr.ArgumentException, match="No value exists with that name."):
        created.DeleteValue("d")
    created.DeleteValue("d", False)


@pytest.mark.parametrize("value, kind", [
    ("text", "MultiString"), (clr.TypedArray("System.String", ["a"]), "Binary"), ("x", "DWord"),
    (clr.Int64(2**40), "DWord")])
def test_set_value_refuses_values_its_kind_cannot_hold(value, kind):
    with pytest.raises(clr.ArgumentException, match="did not match the specified RegistryValueKind"):
        hklm().CreateSubKey("SOFTWARE\\X").SetValue("v", value, RegistryValueKind.member(kind))


def test_refused_writes():
    root = hklm(deny=("HKLM\\SOFTWARE\\Locked",))
    with pytest.raises(clr.SecurityException, match="^Requested registry access is not allowed.$"):
        root.OpenSubKey("SOFTWARE\\Locked", True)
    with pytest.raises(clr.UnauthorizedAccessException, match="Access to the registry key"):
        root.CreateSubKey("SOFTWARE\\Locked\\Sub")
    read_only = root.OpenSubKey("SOFTWARE\\Locked")
    assert read_only.GetValue("v") == "x"
    with pytest.raises(clr.UnauthorizedAccessException, match="Cannot write to the registry key."):
        read_only.SetValue("v", "y", RegistryValueKind.member("String"))
    with pytest.raises(clr.ArgumentNullException):
        root.CreateSubKey("SOFTWARE\\Lab").SetValue("v", None, RegistryValueKind.member("String"))


def test_closed_key_refuses_use():
    opened = key()
    opened.Close()
    with pytest.raises(clr.ObjectDisposedException if hasattr(clr, "ObjectDisposedException")
                       else clr.InvalidOperationException):
        opened.GetValue("sz")


def test_none_kind_exists_from_net_4_only():
    from remediate.lab.windows.registry import kinds_on

    assert "None" not in kinds_on(ctx_for("win2003-ex2003").machine)
    assert kinds_on(ctx_for().machine)["None"] == -1
    with pytest.raises(clr.ArgumentException, match="invalid value"):
        hklm("win2003-ex2003").CreateSubKey("SOFTWARE\\X").SetValue(
            "n", clr.TypedArray("System.Byte", []), RegistryValueKind.member("None"))


def test_service_keys_are_the_service_control_managers():
    ctx = ctx_for("win2003-ex2003")
    services = Registry.LocalMachine(ctx).OpenSubKey("SYSTEM\\CurrentControlSet\\Services")
    assert "SMTPSVC" in list(services.GetSubKeyNames())
    smtp = services.OpenSubKey("smtpsvc")
    assert smtp.GetValue("Start") == 2 and list(smtp.GetValue("DependOnService")) == ["IISADMIN"]
    ctx.machine.services.scm_set_start_mode("SMTPSVC", "disabled")
    assert smtp.GetValue("Start") == 4


def test_protocol_get_answers_raw_kinds_as_reg_none():
    root = hklm()
    registry = root._machine.registry
    assert registry.get("HKLM", KEY, "link") == {"exists": True, "type": "REG_NONE", "data": ""}
    assert registry.get("HKLM", KEY, "bigendian") == {"exists": True, "type": "REG_NONE", "data": "00000001"}
    assert registry.snapshot()["HKLM"][KEY]["unknown"] == {"type": "42", "data": "0a0b"}


@pytest.mark.parametrize("platform, expanded", [("win2003-ex2003", "C:\\WINDOWS\\x"),
                                                ("win2019-ex2019", "C:\\Windows\\x")])
def test_expand_string_expands_the_hosts_variables(platform, expanded):
    assert key(platform).GetValue("expand") == expanded


def test_expand_keeps_unknown_names():
    from remediate.lab.windows.envvars import expand

    ctx = ctx_for()
    assert expand(ctx.machine, "%Nope%%SystemDrive%%") == "%Nope%C:%"
