"""`iis_metabase_property`: one property of one IIS SMTP metabase node (IIS 5/6, `IIS://localhost/SmtpSvc[/n]`).

MUST give: `path` (`/LM/SMTPSVC` or `/LM/SMTPSVC/<n>`; `SmtpSvc/1` and other spellings normalise to that) and
`property` (the ADSI name, letters and digits: `SmartHost`, `ConnectResponse`, ...). With `state: set` (the
default) MUST give `value`; MAY give `type` (STRING or DWORD), which is REQUIRED for a property outside
`KNOWN_TYPES` and must match it for a property inside. `state: inherited` takes no value: the property is cleared
on that node (ADSI PutEx ADS_PROPERTY_CLEAR), so the parent's value (or the service default) applies.

The read value is `{"local": false}` (not set on that node) or `{"local": true, "type": T, "value": V}`; STRING is a
string, DWORD an integer 0..4294967295. It carries no inherited value on purpose: the desired value of
`state: inherited` must be exactly what a compliant host reads (apply verifies by equality and rollback compares
with it), and the parent's value is not the playbook's to know. Manage the parent node with its own resource.

Authority: on Exchange 2000/2003 SmartHost, SmartHostType, RemoteSmtpPort and SmtpInboundCommandSupportOptions of
an instance are copied from Active Directory by DS2MB (KB 321757): a write here is undone at the next copy. Rules
for Exchange 2003 use `exchange2003_smtp_vs` for those; this kind serves plain IIS SMTP servers and the properties
Exchange leaves to the metabase (ConnectResponse is assumed to be one: UNCONFIRMED).

String values refuse control characters: a CR/LF in ConnectResponse would put extra lines into the SMTP dialogue.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from remediate.resources.base import Op, ResourceKind

# The agent's pattern (templates/agent/metabase.ps1), case-insensitive, after normalisation below.
PATH_PATTERN = re.compile(r"/LM/SMTPSVC(?:/([1-9][0-9]{0,8}))?", re.IGNORECASE)
_LOOSE_PATH = re.compile(r"/?(?:LM/)?SMTPSVC(?:/0*([1-9][0-9]{0,8}))?/?", re.IGNORECASE)
PROPERTY_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9]{0,63}")
DWORD_MAX = 2**32 - 1
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")

# ADSI names of the SMTP properties this project knows, with their metabase types (IIS 6 SDK; reference case 2
# and 5). Case-insensitive, like ADSI.
KNOWN_TYPES: dict[str, str] = {
    "smarthost": "STRING",
    "smarthosttype": "DWORD",
    "remotesmtpport": "DWORD",
    "remotetimeout": "DWORD",
    "smtpremoteprogressiveretry": "STRING",
    "connectresponse": "STRING",
    "smtpinboundcommandsupportoptions": "DWORD",
    "servercomment": "STRING",
}


def normalise_path(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("path must be a string such as /LM/SMTPSVC/1")
    match = _LOOSE_PATH.fullmatch(value.strip().replace("\\", "/"))
    if match is None:
        raise ValueError("path must be /LM/SMTPSVC or /LM/SMTPSVC/<instance number> (the SMTP service or one of "
                         "its virtual servers)")
    return "/LM/SMTPSVC" + (f"/{match.group(1)}" if match.group(1) else "")


def typed_value(type_: str, value: Any) -> Any:
    if type_ == "DWORD":
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValueError("DWORD value must be a whole number 0..4294967295")
        if isinstance(value, str):
            if not re.fullmatch(r"[0-9]+", value.strip()):
                raise ValueError("DWORD value must be a whole number 0..4294967295")
            value = int(value.strip())
        if not 0 <= value <= DWORD_MAX:
            raise ValueError("DWORD value must be within 0..4294967295")
        return int(value)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError("STRING value must be a string")
    text = str(value)
    if _CONTROL.search(text):
        raise ValueError("STRING value must not contain control characters (CR, LF, TAB, NUL, ...)")
    if _SURROGATE.search(text):
        # YAML's "\ud83c\udf89" is two lone halves, not one character: write the character or \U0001F389.
        raise ValueError("STRING value must not contain lone UTF-16 surrogates")
    return text


class IisMetabasePropertySpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["iis_metabase_property"]
    path: str
    property: str
    # Field order matters: `type` and `value` are checked against the validated `property` and `state`.
    state: Literal["set", "inherited"] = "set"
    type: Literal["STRING", "DWORD"] | None = Field(default=None, validate_default=True)
    value: Any = Field(default=None, validate_default=True)

    @field_validator("path", mode="before")
    @classmethod
    def _path(cls, value: Any) -> str:
        return normalise_path(value)

    @field_validator("property")
    @classmethod
    def _property(cls, value: str) -> str:
        if not PROPERTY_PATTERN.fullmatch(value):
            raise ValueError("property must be an ADSI property name: letters and digits, starting with a letter "
                             "(SmartHost, ConnectResponse, ...)")
        return value

    @field_validator("type")
    @classmethod
    def _type(cls, value: str | None, info: ValidationInfo) -> str | None:
        prop = info.data.get("property")
        known = KNOWN_TYPES.get(prop.lower()) if isinstance(prop, str) else None
        if info.data.get("state") == "inherited":
            if value is not None and known is not None and value != known:
                raise ValueError(f"{prop} is a {known} property")
            return value
        if value is None:
            if known is None and prop is not None:
                raise ValueError(f"type (STRING or DWORD) is required for {prop}, a property this kind does not "
                                 "know the type of")
            return known
        if known is not None and value != known:
            raise ValueError(f"{prop} is a {known} property, not {value}")
        return value

    @field_validator("value")
    @classmethod
    def _value(cls, value: Any, info: ValidationInfo) -> Any:
        if info.data.get("state") == "inherited":
            if value is not None:
                raise ValueError("state: inherited takes no value (the parent's value applies)")
            return None
        type_ = info.data.get("type")
        if type_ is None:
            return value  # the missing type is reported on its own field
        if value is None:
            raise ValueError("value is required with state: set (use state: inherited to clear the property)")
        return typed_value(type_, value)


class IisMetabaseProperty(ResourceKind[IisMetabasePropertySpec]):
    kind: ClassVar[str] = "iis_metabase_property"
    spec_model: ClassVar[type[BaseModel]] = IisMetabasePropertySpec

    def identity(self, spec: IisMetabasePropertySpec) -> dict[str, Any]:
        return {"path": spec.path, "property": spec.property}

    def key(self, identity: dict[str, Any]) -> str:
        return f"{identity['path'].lower()}/{identity['property'].lower()}"

    def describe(self, identity: dict[str, Any]) -> str:
        return f"IIS metabase {identity['path']} {identity['property']}"

    def read_op(self, identity: dict[str, Any]) -> Op:
        return Op("metabase.get", dict(identity))

    def desired(self, spec: IisMetabasePropertySpec) -> Any:
        if spec.state == "inherited":
            return {"local": False}
        return {"local": True, "type": spec.type, "value": spec.value}

    def set_op(self, identity: dict[str, Any], value: Any) -> Op:
        if not value.get("local"):
            return Op("metabase.clear", dict(identity))
        return Op("metabase.set", {**identity, "type": value["type"], "value": value["value"]})
