"""`--debug`: a wire trace of every WinRM exchange, with credentials masked, to stderr or a file.

Two layers are traced for each host, both through the logger `remediate.wire`:
- HTTP: every request and response that goes on the socket, NTLM handshake legs included (a tracing
  `requests` adapter mounted on pywinrm's session before its first request): method, URL, status, headers and the
  body's size. `Authorization`, `WWW-Authenticate`, cookies and proxy credentials are replaced by their scheme
  and length: an NTLM authenticate message holds a response that can be cracked offline, Basic holds the password.
- SOAP: every envelope as pywinrm hands it to the transport and as it comes back, *after* NTLM decryption (the
  plain text is only visible here). WinRS streams are decoded: the agent's request line is shown as its JSON, the
  agent script as its size and digest, stdout as text.

Every line passes through `mask_text` before it is written: known secrets (`remediate.credentials.mask`, in all
their usual spellings), authentication headers, NTLM tokens, and XML elements or JSON members whose name says
password, secret or token. urllib3's own debug lines (connection set-up) go to the same place. spnego's logger is
deliberately left alone: at DEBUG it prints whole NTLM tokens.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import re
import sys
import threading
from pathlib import Path
from typing import IO, Any

from remediate.credentials import MASK, looks_like_secret_name, mask
from remediate.securefiles import open_private

LOGGER = "remediate.wire"
_LIBRARY_LOGGERS = ("urllib3",)
_SECRET_HEADERS = {"authorization", "www-authenticate", "proxy-authorization", "proxy-authenticate", "cookie",
                   "set-cookie"}

log = logging.getLogger(LOGGER)
_state_lock = threading.Lock()
_handler: logging.Handler | None = None
_stream: IO[str] | None = None
_saved_levels: dict[str, int] = {}

# Header lines, NTLM/Negotiate/Basic tokens anywhere in text, and named secret fields in XML, JSON and key=value.
_AUTH_HEADER = re.compile(r"(?im)^([ \t]*(?:proxy-)?(?:authorization|www-authenticate|authenticate)[ \t]*:[ \t]*)(.+)$")
_AUTH_TOKEN = re.compile(r"\b(NTLM|Negotiate|Kerberos|Basic|Bearer|CredSSP)[ \t]+[A-Za-z0-9+/=._~-]{8,}")
# Any NTLM message, wherever it is printed: base64 of "NTLMSSP\0" starts every one of them.
_NTLM_MESSAGE = re.compile(r"TlRMTVNTUA[A-Za-z0-9+/=]*")
# Names that may say "secret" (a cheap first filter); `looks_like_secret_name`, the one heuristic, decides.
_MAYBE = r"(?:pass|pwd|pw|token|secret|cred|key|psk)"
_XML_SECRET = re.compile(rf"(<(?:[\w.-]+:)?(\w*{_MAYBE}\w*)\b[^>]*>)(.*?)(</)", re.IGNORECASE | re.DOTALL)
_JSON_SECRET = re.compile(rf'("([\w.-]*{_MAYBE}[\w.-]*)"\s*:\s*)"(?:[^"\\]|\\.)*"', re.IGNORECASE)
_KV_SECRET = re.compile(rf"\b(([\w.-]*{_MAYBE}[\w.-]*)\s*=\s*)(\S+)", re.IGNORECASE)
_STREAM = re.compile(r"(<(?:[\w.-]+:)?Stream\b[^>]*>)([A-Za-z0-9+/=\s]+)(</(?:[\w.-]+:)?Stream>)")


def mask_text(text: str) -> str:
    """`text` with every credential this module knows how to spot replaced by ********."""
    text = mask(text)
    text = _AUTH_HEADER.sub(lambda m: m.group(1) + _token_summary(m.group(2)), text)
    text = _AUTH_TOKEN.sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _NTLM_MESSAGE.sub(MASK, text)
    text = _XML_SECRET.sub(lambda m: m.group(1) + MASK + m.group(4) if looks_like_secret_name(m.group(2))
                           else m.group(0), text)
    text = _JSON_SECRET.sub(lambda m: m.group(1) + f'"{MASK}"' if looks_like_secret_name(m.group(2))
                            else m.group(0), text)
    return _KV_SECRET.sub(lambda m: m.group(1) + MASK if looks_like_secret_name(m.group(2)) else m.group(0), text)


def _token_summary(value: str) -> str:
    """`Negotiate TlRM...` -> `Negotiate ******** (N chars)`; bare scheme lists ("Negotiate, NTLM") stay readable."""
    parts = []
    for challenge in value.split(","):
        scheme, _, token = challenge.strip().partition(" ")
        token = token.strip()
        if not token or token.startswith(MASK):
            parts.append(challenge.strip())
        else:
            parts.append(f"{scheme} {MASK} ({len(token)} chars)")
    return ", ".join(parts)


class MaskingFilter(logging.Filter):
    """Masks the fully formatted message of every record, whichever library logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed log call must not take the run down
            message = str(record.msg)
        record.msg = mask_text(message)
        record.args = None
        return True


# ------------------------------------------------------------------------------------------------ switching on


def enable(log_file: Path | None = None) -> None:
    """Start tracing to `log_file` (appended, created mode 600) or to stderr. Safe to call again: replaces."""
    global _handler, _stream
    disable()
    with _state_lock:
        if log_file is not None:
            # It receives decrypted SOAP: 0600, never through a planted symlink, narrowed if it existed wider.
            _stream = open_private(log_file, "append", what="--debug-log")
            handler: logging.Handler = logging.StreamHandler(_stream)
        else:
            handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(threadName)s %(name)s: %(message)s"))
        handler.addFilter(MaskingFilter())
        handler.setLevel(logging.DEBUG)
        for name in (LOGGER, *_LIBRARY_LOGGERS):
            logger = logging.getLogger(name)
            _saved_levels[name] = logger.level
            logger.setLevel(logging.DEBUG)
            logger.addHandler(handler)
        _handler = handler
    log.debug("wire trace started (remediate.debug); credentials are masked as %s", MASK)


def disable() -> None:
    """Stop tracing and close the trace file, if any."""
    global _handler, _stream
    with _state_lock:
        if _handler is None:
            return
        for name in (LOGGER, *_LIBRARY_LOGGERS):
            logger = logging.getLogger(name)
            logger.removeHandler(_handler)
            logger.setLevel(_saved_levels.pop(name, logging.NOTSET))
        _handler.flush()
        if _stream is not None:
            _stream.close()
        _handler, _stream = None, None


def enabled() -> bool:
    return _handler is not None


# ------------------------------------------------------------------------------------------------ pywinrm hooks


def instrument(protocol: Any, host: str) -> None:
    """Trace one pywinrm `Protocol`'s HTTP legs and plain-text SOAP messages. Instance-level: nothing global."""
    transport = protocol.transport
    send_message = transport.send_message
    build_session = transport.build_session
    setup_encryption = transport.setup_encryption

    def traced_send(message: str | bytes) -> bytes:
        log.debug("%s SOAP request:\n%s", host, describe_soap(message))
        try:
            answer: bytes = send_message(message)
        except Exception as exc:
            body = getattr(exc, "response_text", "")
            log.debug("%s SOAP failed: %s %s%s", host, type(exc).__name__, _first_line(exc),
                      f"\n{describe_soap(body)}" if body else "")
            raise
        log.debug("%s SOAP response:\n%s", host, describe_soap(answer))
        return answer

    def traced_setup(session: Any) -> None:
        _mount(session, host)  # before the handshake's first leg
        setup_encryption(session)

    def traced_build() -> Any:
        session = build_session()
        _mount(session, host)
        return session

    transport.send_message = traced_send
    transport.setup_encryption = traced_setup
    transport.build_session = traced_build


def _mount(session: Any, host: str) -> None:
    if getattr(session, "_remediate_traced", False):
        return
    adapter = _tracing_adapter(host)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session._remediate_traced = True


def _tracing_adapter(host: str) -> Any:
    from requests.adapters import HTTPAdapter

    class TracingAdapter(HTTPAdapter):
        def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            log.debug("%s HTTP > %s %s\n%s\n  body: %s", host, request.method, request.url,
                      _headers(request.headers), _body_size(request.body, request.headers))
            try:
                response = super().send(request, *args, **kwargs)
            except Exception as exc:
                log.debug("%s HTTP x %s: %s", host, type(exc).__name__, _first_line(exc))
                raise
            # The body is not read here: requests_ntlm still needs the unread response's socket (channel binding).
            log.debug("%s HTTP < %s %s\n%s", host, response.status_code, response.reason, _headers(response.headers))
            return response

    return TracingAdapter()


def _headers(headers: Any) -> str:
    lines = []
    for name, value in headers.items():
        if name.lower() in _SECRET_HEADERS:
            value = _token_summary(str(value))
        lines.append(f"  {name}: {value}")
    return "\n".join(lines)


def _body_size(body: Any, headers: Any) -> str:
    if body is None:
        return "(none)"
    size = len(body) if isinstance(body, (bytes, str)) else "?"
    kind = headers.get("Content-Type", "") if headers is not None else ""
    sealed = " (sealed by NTLM; plain text in the SOAP lines)" if "encrypted" in kind.lower() else ""
    return f"{size} bytes {kind}{sealed}"


# ------------------------------------------------------------------------------------------------ SOAP text


def describe_soap(message: str | bytes) -> str:
    """The envelope as text, with each base64 WinRS stream replaced by what it carries."""
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return _STREAM.sub(lambda m: m.group(1) + _describe_stream(m.group(2)) + m.group(3), text)


def _describe_stream(data: str) -> str:
    try:
        raw = base64.b64decode("".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        return data
    described = _describe_agent_stdin(raw)
    if described is not None:
        return described
    if len(raw) > 1024 and not raw.isascii():
        return f"[{len(raw)} bytes of binary data sha256 {hashlib.sha256(raw).hexdigest()[:16]}]"
    return "[" + raw.decode("utf-8", "backslashreplace") + "]"


def _describe_agent_stdin(raw: bytes) -> str | None:
    """The agent's stdin (request and script, framed by remediate.agent), shown as its request's JSON."""
    from remediate import agent

    try:
        request, script = agent.split_stdin(raw)
    except Exception:  # noqa: BLE001 - not agent stdin (or one chunk of it): shown as data instead
        return None
    genuine = "the genuine agent script" if agent.is_genuine_script(script) else "a script that is NOT the agent"
    return (f"[agent request {json.dumps(request, sort_keys=True, ensure_ascii=False)}; then {len(script)} "
            f"characters of {genuine}, sha256 {hashlib.sha256(script.encode('utf-8')).hexdigest()[:16]}]")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else ""
