"""The IIS ADSI provider (`IIS://`) over the lab's IIS 6 SMTP metabase (remediate/lab/state/metabase.py).

IIS 6.0 SDK, "Using ADSI to Configure IIS" and the IIS ADSI objects IIsSmtpService / IIsSmtpServer
(learn.microsoft.com/previous-versions/iis/6.0-sdk/ms524001(v=vs.90) and its pages): `IIS://<computer>/SmtpSvc` is
the metabase key /LM/SMTPSVC, `IIS://<computer>/SmtpSvc/<n>` the virtual server n; `<computer>` is `localhost` or
the computer's name (another computer's metabase is not reachable from the lab: RPC server unavailable).

- Reading (`Get`, the property cache): a property's value where it is set, else the value it inherits from
  /LM/SMTPSVC, else the schema's default: IIS's ADSI provider answers inherited values. A DWORD is handed over as
  a signed Int32 (VT_I4), so values above 2147483647 read negative; a STRING as a string.
- Writing (`Put` + `SetInfo`): the value is converted to the property's schema type (an Int32 is the DWORD's
  bits, a numeric string a number; anything else is DISP_E_TYPEMISMATCH); `PutEx(ADS_PROPERTY_CLEAR)` +
  `SetInfo` removes the node's own value, so inheritance applies again.
- `GetDataPaths(name, attributes)` (IIsObject.GetDataPaths, ms524960): the ADsPaths of the nodes at or below this
  one that hold the property themselves; none is MD_ERROR_DATA_NOT_FOUND (0x800CC801).
- A metabase key below /LM/SMTPSVC that does not exist is ERROR_PATH_NOT_FOUND (0x80070003). Keys the lab does
  not model (W3SVC, an instance's Domain keys, ...) and properties outside the lab's schema are refused as not
  modelled, since a real metabase has them.
"""

from __future__ import annotations

import re
from typing import Any

from remediate.lab.state import InvalidArgument, StateError
from remediate.lab.state.metabase import DWORD_MAX, SCHEMA, SERVICE
from remediate.lab.windows import adsi, clr
from remediate.lab.windows.adsi_ldap import computer_name
from remediate.lab.windows.refusal import NotModeled

MD_ERROR_DATA_NOT_FOUND = (0x800CC801, "Exception from HRESULT: 0x800CC801")
RPC_S_SERVER_UNAVAILABLE = (0x800706BA, "The RPC server is unavailable. (Exception from HRESULT: 0x800706BA)")
_SCHEMA_BY_FOLD = {name.casefold(): name for name in SCHEMA}


def _schema(name: str) -> str:
    found = _SCHEMA_BY_FOLD.get(name.casefold())
    if found is None:
        raise NotModeled(f"IIS metabase property {name}", "the lab's SMTP schema has " + ", ".join(SCHEMA))
    return found


def _signed(value: int) -> int:
    """A DWORD as ADSI's VT_I4 gives it."""
    return value - 2**32 if value > 0x7FFFFFFF else value


class IisObject:
    """One SMTP metabase key bound through `IIS://` (adsi.AdsObject)."""

    def __init__(self, machine: Any, path: str, prefix: str, instance: str | None) -> None:
        self.machine = machine
        self.path = path
        self.prefix = prefix  # "IIS://localhost" as the path spelt it
        self.instance = instance
        self.key = SERVICE + (f"/{instance}" if instance else "")
        self.name = instance or "SmtpSvc"
        self.schema_class = "IIsSmtpServer" if instance else "IIsSmtpService"

    def parent_path(self) -> str:
        return f"{self.prefix}/SmtpSvc" if self.instance else self.prefix

    def _check(self) -> None:
        if not self.machine.metabase.exists(self.key):
            raise adsi.ads_error(adsi.ERROR_PATH_NOT_FOUND)

    def load(self) -> dict[str, tuple[str, list[Any]]]:
        metabase = self.machine.metabase
        with metabase.lock:
            self._check()
            cache = {}
            for name, (type_, _) in SCHEMA.items():
                value = metabase.effective(self.key, name)
                if value is not None:
                    cache[name.casefold()] = (name, [_signed(value) if type_ == "DWORD" else value])
            return cache

    def get(self, name: str, cache: dict[str, tuple[str, list[Any]]]) -> list[Any]:
        return list(cache.get(_schema(name).casefold(), (name, []))[1])

    def commit(self, changes: list[tuple[int, str, list[Any]]]) -> None:
        metabase = self.machine.metabase
        with metabase.lock:
            self._check()
            for control, name, values in changes:
                prop = _schema(name)
                if control == adsi.ADS_PROPERTY_CLEAR:
                    metabase.clear(self.key, prop)
                    continue
                if len(values) != 1:
                    raise NotModeled("a multi-valued IIS metabase write", prop)
                type_ = SCHEMA[prop][0]
                try:
                    metabase.set(self.key, prop, type_, _convert(type_, values[0]))
                except (InvalidArgument, StateError) as error:
                    raise NotModeled("an IIS metabase value the lab's state refuses", str(error)) from None

    def children(self) -> list[str]:
        if self.instance:
            raise NotModeled("the child keys of an SMTP virtual server (Domain, ...)")
        with self.machine.metabase.lock:
            self._check()
            return [f"{self.prefix}/SmtpSvc/{path.rsplit('/', 1)[1]}" for path in self._keys() if path != SERVICE]

    def _keys(self) -> list[str]:
        return sorted(self.machine.metabase.snapshot()["paths"])

    def invoke(self, method: str, args: tuple[Any, ...]) -> Any:
        if method.casefold() != "getdatapaths":
            raise NotModeled(f"IIS ADSI method {method}")
        if len(args) != 2:
            raise TypeError("GetDataPaths takes a property name and attributes")
        prop = _schema(clr.to_str(args[0]))
        metabase = self.machine.metabase
        with metabase.lock:
            self._check()
            found = [key for key in self._keys()
                     if (key == self.key or key.startswith(self.key + "/")) and metabase.local(key, prop)["local"]]
        if not found:
            raise clr.com_error(*MD_ERROR_DATA_NOT_FOUND)
        return [self.prefix + "/SmtpSvc" + key[len(SERVICE):] for key in found]


def _convert(type_: str, value: Any) -> Any:
    """VariantChangeType to the schema type: VT_UI4 for a DWORD (an Int32 keeps its bits), VT_BSTR for a STRING."""
    if type_ == "STRING":
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return clr.to_str(value)
        raise clr.com_error(*adsi.DISP_E_TYPEMISMATCH)
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise clr.com_error(*adsi.DISP_E_TYPEMISMATCH) from None
    if isinstance(value, int):
        if -(2**31) <= value < 0:
            return value + 2**32
        if 0 <= value <= DWORD_MAX:
            return int(value)
        raise clr.OverflowException()
    raise clr.com_error(*adsi.DISP_E_TYPEMISMATCH)


def bind(machine: Any, path: str) -> IisObject:
    match = re.fullmatch(r"(IIS://([^/]+))(/.*)?", path, re.IGNORECASE)
    if match is None:
        raise adsi.ads_error(adsi.E_ADS_BAD_PATHNAME)
    prefix, computer, rest = match.group(1), match.group(2), (match.group(3) or "").rstrip("/")
    if computer.casefold() not in ("localhost", computer_name(machine).casefold()):
        raise clr.com_error(*RPC_S_SERVER_UNAVAILABLE)
    parts = [p for p in rest.split("/") if p]
    if not parts or parts[0].casefold() != "smtpsvc":
        raise NotModeled(f"IIS metabase path {path}", "the lab models IIS://localhost/SmtpSvc[/n]")
    if len(parts) > 2:
        raise NotModeled(f"IIS metabase path {path}", "keys below an SMTP virtual server")
    instance = parts[1] if len(parts) == 2 else None
    obj = IisObject(machine, path, prefix, instance)
    if instance is not None and not re.fullmatch(r"[1-9][0-9]{0,8}", instance):
        raise adsi.ads_error(adsi.ERROR_PATH_NOT_FOUND)  # a key name the metabase cannot hold here
    obj._check()
    return obj


adsi.PROVIDERS["iis:"] = bind
