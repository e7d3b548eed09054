"""`smtp_banner_probe` (a probe): from a Windows host, connect to an SMTP server and read its banner and EHLO answer.

Run ON the host the rule applies to (the sender), against its next hop, smart host or peer: what matters for
event 4006 is what that host sees on its own network path, firewalls included.

MUST give `target`: `host`, `host:port` or `[ipv6]:port` (port 25 when omitted; a separate `port` MAY be given
instead). A playbook that probes only hosts naming a target writes `when: smtp_next_hop is defined`: a host
without the variable gets the rule as not applicable, and no op is sent. MAY give `require` (what passing means, default `banner`) and `timeout_ms` (100..60000, default 15000:
the connect, the banner and the EHLO answer each wait at most this long; several probes share one WinRM command, so
keep their sum under the connection's operation timeout).

- `require: connect`: a TCP connection opens at all (cause 1: nothing blocks port 25). Desired `{"connected": true}`.
- `require: banner`: the first line starts with `220` and is not masked (cause 5). Desired `{"banner_ok": true}`.
- `require: unmasked`: the banner is not the `220 *****` form of Cisco SMTP inspection (cause 9 seen from the
  sender). Desired `{"masked": false}`.

Wire value of the `smtp.probe` op (the agent and the lab classify alike; `classify` below is the reference):
`{"connected": bool, "banner": str|null, "ehlo": [lines], "classification": C, "banner_ok": bool, "masked": bool,
"error": str|null}` with C one of `ok`, `no_banner` (connected, no line before the timeout or the peer closed),
`masked` (Cisco PIX/ASA/IOS inspection: only `2`/`0` left, or the old `SMTP/cmap___` form; KB 320027),
`not_220`, `ehlo_refused` (a 220 banner but EHLO not answered 250: ESMTP filtered on the path) or `unreachable`.
The banner and each EHLO line are cut at 512 characters, the EHLO answer at 50 lines.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from remediate.resources.base import FieldChange, Op, ResourceKind

CLASSIFICATIONS = ("ok", "no_banner", "masked", "not_220", "ehlo_refused", "unreachable")
MAX_LINE = 512
MAX_EHLO_LINES = 50

# The same patterns are in templates/agent/smtp.ps1 (.NET and Python regexes agree on these simple forms).
MASKED_PATTERN = r"^220[ *][*20 ]*\*[*20 ]*$|^220 SMTP/cmap_"
REPLY_220_PATTERN = r"^220(?:[ -]|$)"
REPLY_250_PATTERN = r"^250(?:[ -]|$)"
# A DNS name or an IP literal: data for TcpClient.BeginConnect, never part of a command line.
HOST_PATTERN = r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*\.?|[0-9A-Fa-f:.]{2,45})$"

_REQUIRE = {"connect": ("connected", True), "banner": ("banner_ok", True), "unmasked": ("masked", False)}


def classify(connected: bool, banner: str | None, ehlo: list[str]) -> dict[str, Any]:
    """The probe's verdict from what was seen: classification and the booleans the `require` choices test."""
    if not connected:
        status = "unreachable"
    elif not banner:
        status = "no_banner"
    elif re.search(MASKED_PATTERN, banner):
        status = "masked"
    elif not re.search(REPLY_220_PATTERN, banner):
        status = "not_220"
    elif not ehlo or not re.search(REPLY_250_PATTERN, ehlo[0]):
        status = "ehlo_refused"
    else:
        status = "ok"
    return {"classification": status, "banner_ok": status in ("ok", "ehlo_refused"), "masked": status == "masked"}


def split_target(target: str, port: int | None) -> tuple[str, int]:
    """`host`, `host:port` or `[v6]:port` -> (host, port). Raises ValueError naming what is wrong."""
    text = target.strip(" ")
    if re.search(r"[\x00-\x1f\x7f]", text):
        raise ValueError("target: control characters (line breaks, tabs) are not part of a host name")
    host, port_text = text, None
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise ValueError("target: an IPv6 literal needs its closing ']'")
        host, rest = text[1:end], text[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise ValueError("target: expected ':port' after ']'")
            port_text = rest[1:]
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    if port_text is not None:
        if port is not None:
            raise ValueError("give the port either in target or as port, not both")
        if not re.fullmatch(r"[0-9]{1,5}", port_text):
            raise ValueError(f"target: port {port_text!r} is not a number")
        port = int(port_text)
    port = 25 if port is None else port
    if not 1 <= port <= 65535:
        raise ValueError(f"target: port {port} is outside 1..65535")
    if not re.fullmatch(HOST_PATTERN, host):
        raise ValueError(f"target: {host!r} is not a host name or IP address")
    return host, port


class SmtpBannerProbeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["smtp_banner_probe"]
    target: str = Field(min_length=1, max_length=300)
    port: int | None = Field(default=None, ge=1, le=65535)
    require: Literal["connect", "banner", "unmasked"] = "banner"
    timeout_ms: int = Field(default=15000, ge=100, le=60000)

    @model_validator(mode="after")
    def _target(self) -> SmtpBannerProbeSpec:
        self.address  # refuses a bad target here, with the playbook's file and line
        return self

    @property
    def address(self) -> tuple[str, int]:
        return split_target(self.target, self.port)


class SmtpBannerProbe(ResourceKind[SmtpBannerProbeSpec]):
    kind: ClassVar[str] = "smtp_banner_probe"
    spec_model: ClassVar[type[BaseModel]] = SmtpBannerProbeSpec
    probe: ClassVar[bool] = True

    def identity(self, spec: SmtpBannerProbeSpec) -> dict[str, Any]:
        host, port = spec.address
        return {"host": host, "port": port, "require": spec.require, "timeout_ms": spec.timeout_ms}

    def key(self, identity: dict[str, Any]) -> str:
        return f"{identity['host'].lower()}:{identity['port']}:{identity['require']}"

    def describe(self, identity: dict[str, Any]) -> str:
        what = {"connect": "TCP connection", "banner": "SMTP banner", "unmasked": "unmasked SMTP banner"}
        host = f"[{identity['host']}]" if ":" in identity["host"] else identity["host"]
        return f"{what[identity['require']]} from this host to {host}:{identity['port']}"

    def read_op(self, identity: dict[str, Any]) -> Op:
        return Op("smtp.probe", {"host": identity["host"], "port": identity["port"],
                                 "timeout_ms": identity["timeout_ms"]})

    def desired(self, spec: SmtpBannerProbeSpec) -> Any:
        field, value = _REQUIRE[spec.require]
        return {field: value}

    def set_op(self, identity: dict[str, Any], value: Any) -> Op:
        raise TypeError("smtp_banner_probe is a probe: it reads and never sets")

    def same(self, observed: Any, desired: Any) -> bool:
        return isinstance(observed, dict) and all(observed.get(k) == v for k, v in desired.items())

    def changes(self, observed: Any, desired: Any) -> list[FieldChange]:
        """What failed and what was seen: the tested field, the classification and the banner (not every key)."""
        if not isinstance(observed, dict):
            return [FieldChange("value", observed, desired)]
        out = [FieldChange(k, observed.get(k), v) for k, v in desired.items() if observed.get(k) != v]
        out.append(FieldChange("classification", observed.get("classification"), None))
        out.append(FieldChange("banner", observed.get("banner"), None))
        if observed.get("error"):
            out.append(FieldChange("error", observed.get("error"), None))
        return out
