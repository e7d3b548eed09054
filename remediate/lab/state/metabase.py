"""A simulated IIS 6 metabase for the SMTP service: typed properties with inheritance, and the MetaBase.xml file.

Properties (what `IIS://localhost/SmtpSvc[/n]` answers over ADSI):

- Nodes are `/LM/SMTPSVC` and its instances `/LM/SMTPSVC/<n>`. Paths compare case-insensitively, as the metabase
  does (`/lm/smtpsvc/1` is `/LM/SMTPSVC/1`).
- A property has a type, STRING or DWORD (0..4294967295), fixed by the schema below (IIS 6 SDK property pages;
  the IDs are in docs/reference/exchange-4006-settings.md, case 2). A property not set on an instance takes the value set on `/LM/SMTPSVC`
  (inheritance); clearing it on the instance (ADSI `PutEx(ADS_PROPERTY_CLEAR)`) brings inheritance back. A
  property set nowhere has the service's built-in default (`SCHEMA`'s default, None where the service has
  none: no smart host, no custom banner).
- `read(path, prop)` answers the effective value *and* whether it is set locally; `effective(path, prop)` is the
  value the service uses (the SMTP listener of the lab asks it for `ConnectResponse`).

The file (`files`, a `MetabaseFiles`): the text of `%SystemRoot%\\System32\\inetsrv\\MetaBase.xml`, its
`History\\MetaBase_<major>_<minor>.xml` copies (newest first) and the folder where remediate keeps its own backups.
The lab keeps the property tree and the file apart: IISADMIN serves the tree from memory, so a file that was
damaged on disk (an antivirus scanning it, a crash while saving) shows only as a cause, not as ADSI errors.

Thread-safety: every public method takes `lock`.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from remediate.lab.state import InvalidArgument, StateError
# MetaBase.xml and its copies live in metabase_files.py; these names stay importable from here.
from remediate.lab.state.metabase_files import (XML_NAMESPACE, MetabaseFiles, broken_xml, digest, healthy_xml,
                                               problem)

__all__ = ["SimMetabase", "MetabaseFiles", "XML_NAMESPACE", "broken_xml", "digest", "healthy_xml", "problem",
           "check_path", "check_property", "check_value", "schema_name", "platform_defaults", "SCHEMA", "SERVICE",
           "DWORD_MAX", "TYPES"]

SERVICE = "/LM/SMTPSVC"
_PATH = re.compile(r"/LM/SMTPSVC(?:/([1-9][0-9]{0,8}))?", re.IGNORECASE)
PROPERTY_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{0,63}")
DWORD_MAX = 0xFFFFFFFF
TYPES = ("STRING", "DWORD")

# name -> (type, built-in default). IIS 6 SDK (cc776700, cc739348, ms524819, cc787427, cc758615) and KB 321757
# (defaults RemoteSmtpPort 25, SmtpInboundCommandSupportOptions 7697601). ConnectResponse: KB 281224, whose text
# and property ID are UNCONFIRMED; "not set" means the service's default banner.
SCHEMA: dict[str, tuple[str, Any]] = {
    "SmartHost": ("STRING", None),
    "SmartHostType": ("DWORD", 0),
    "RemoteSmtpPort": ("DWORD", 25),
    "RemoteTimeout": ("DWORD", 600),
    "SmtpRemoteProgressiveRetry": ("STRING", None),
    "ConnectResponse": ("STRING", None),
    "SmtpInboundCommandSupportOptions": ("DWORD", 7697601),
    "ServerComment": ("STRING", None),
}
_SCHEMA_BY_LOWER = {name.lower(): name for name in SCHEMA}

# The agent's messages for what it checks itself (templates/agent/metabase.ps1).
PATH_MESSAGE = "metabase path must be /LM/SMTPSVC or /LM/SMTPSVC/<instance number>"
PROPERTY_MESSAGE = "metabase property name must be letters and digits, starting with a letter"


def check_path(path: Any) -> str:
    """The canonical spelling (`/LM/SMTPSVC/1`) of a path the agent accepts; InvalidArgument otherwise."""
    match = _PATH.fullmatch(path) if isinstance(path, str) else None
    if match is None:
        raise InvalidArgument(PATH_MESSAGE)
    return SERVICE + (f"/{match.group(1)}" if match.group(1) else "")


def check_property(name: Any) -> str:
    if not isinstance(name, str) or not PROPERTY_NAME.fullmatch(name):
        raise InvalidArgument(PROPERTY_MESSAGE)
    return name


def check_value(type_: Any, value: Any) -> Any:
    """A value as the agent writes it: STRING a string without NUL, DWORD an integer 0..4294967295."""
    if type_ == "STRING":
        if not isinstance(value, str) or "\0" in value:
            raise InvalidArgument("STRING value must be a string without NUL characters")
        return str(value)
    if type_ == "DWORD":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= DWORD_MAX:
            raise InvalidArgument("DWORD value must be an integer from 0 to 4294967295")
        return int(value)
    raise InvalidArgument("metabase type must be STRING or DWORD")


def schema_name(prop: str) -> str:
    """The schema's spelling of a property; StateError (as ADSI fails) for a name the schema does not have."""
    name = _SCHEMA_BY_LOWER.get(prop.lower())
    if name is None:
        raise StateError(f"the metabase schema has no property '{prop}'")
    return name


@dataclass
class _Prop:
    type: str
    value: Any


class SimMetabase:
    """The SMTP part of one host's metabase."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._nodes: dict[str, dict[str, _Prop]] = {}  # check_path() spelling -> lowercase name -> prop
        self.files = MetabaseFiles(self.lock)
        self.writes = 0

    # ------------------------------------------------------------------------------------------------ reads

    def exists(self, path: str) -> bool:
        with self.lock:
            return check_path(path) in self._nodes

    def read(self, path: str, prop: str) -> dict[str, Any]:
        """`{"local": bool, "type": T, "value": effective value or None}` for an existing path."""
        with self.lock:
            node = self._node(path)
            name = schema_name(check_property(prop))
            type_ = SCHEMA[name][0]
            local = node.get(name.lower())
            return {"local": local is not None, "type": type_, "value": self.effective(path, name)}

    def local(self, path: str, prop: str) -> dict[str, Any]:
        """The agent's `metabase.get`: `{"local": False}` or `{"local": True, "type": T, "value": V}`."""
        with self.lock:
            node = self._node(path)
            found = node.get(schema_name(check_property(prop)).lower())
            if found is None:
                return {"local": False}
            return {"local": True, "type": found.type, "value": found.value}

    def effective(self, path: str, prop: str) -> Any | None:
        """The value the service uses at `path`: set locally, else inherited from /LM/SMTPSVC, else the built-in
        default (None where there is none). None for a path that does not exist."""
        with self.lock:
            canonical = check_path(path)
            if canonical not in self._nodes:
                return None
            name = schema_name(prop)
            for node_path in (canonical, SERVICE):
                found = self._nodes.get(node_path, {}).get(name.lower())
                if found is not None:
                    return found.value
            return SCHEMA[name][1]

    # ----------------------------------------------------------------------------------------------- writes

    def set(self, path: str, prop: str, type_: str, value: Any) -> None:
        with self.lock:
            node = self._node(path)
            name = schema_name(check_property(prop))
            wire = check_value(type_, value)
            if SCHEMA[name][0] != type_:
                # The real provider may coerce; the kinds never send a mismatched type for a schema property.
                raise InvalidArgument(f"{name} is a {SCHEMA[name][0]} property")
            node[name.lower()] = _Prop(type_, wire)
            self.writes += 1

    def clear(self, path: str, prop: str) -> None:
        """Removes the local value (inheritance returns); clearing what is not set is no error."""
        with self.lock:
            node = self._node(path)
            node.pop(schema_name(check_property(prop)).lower(), None)
            self.writes += 1

    # ------------------------------------------------------------------------------------ scenario/test API

    def load(self, data: dict[str, Any] | None) -> None:
        """Adds a scenario's metabase over what is there:

        ```yaml
        paths:
          /LM/SMTPSVC/1: {SmartHost: relay.contoso.com, SmartHostType: 2, ConnectResponse: null}
        files: {...}                                  # MetabaseFiles.load
        ```
        A value's type is the schema's; `null` clears a local value. Does not count as writes.
        """
        with self.lock:
            data = data or {}
            unknown = set(data) - {"paths", "files"}
            if unknown:
                raise InvalidArgument(f"metabase: unknown key(s) {sorted(unknown)}")
            for path, props in (data.get("paths") or {}).items():
                node = self._nodes.setdefault(check_path(str(path)), {})
                for prop, value in (props or {}).items():
                    name = schema_name(str(prop))
                    if value is None:
                        node.pop(name.lower(), None)
                    else:
                        type_ = SCHEMA[name][0]
                        node[name.lower()] = _Prop(type_, check_value(type_, value))
            self.files.load(data.get("files"))

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            paths = {
                path: {_SCHEMA_BY_LOWER[lower]: prop.value for lower, prop in sorted(node.items())}
                for path, node in sorted(self._nodes.items())
            }
            return {"paths": paths, "files": self.files.snapshot()}

    # ------------------------------------------------------------------------------------------- internals

    def _node(self, path: str) -> dict[str, _Prop]:
        canonical = check_path(path)
        node = self._nodes.get(canonical)
        if node is None:
            raise StateError(f"metabase path not found: {canonical}")
        return node


def platform_defaults() -> dict[str, Any]:
    """A healthy Exchange 2003 host: the SMTP service with one instance, the instance's AD-mastered properties as
    DS2MB writes them from the directory defaults (so the first sync changes nothing), and MetaBase.xml with three
    History copies, the newest equal to the current file."""
    return {
        "paths": {
            SERVICE: {"SmtpRemoteProgressiveRetry": "15,30,60,240"},
            SERVICE + "/1": {"ServerComment": "Default SMTP Virtual Server", "SmartHostType": 0,
                             "RemoteSmtpPort": 25, "SmtpInboundCommandSupportOptions": 7697601},
        },
        "files": {"history": [{"version": [v, 0], "content": "healthy"} for v in (12, 11, 10)],
                  "current": "healthy"},
    }
