"""Credential references: the inventory says where a password lives, never what it is.

```yaml
password: {env: REMEDIATE_PASSWORD}                       # an environment variable of the runner's process
password: {keyring: "remediate/CONTOSO\\svc-remediate"}   # the OS keyring: "SERVICE/USERNAME" (last '/' splits)
password: {keyring: {service: remediate, username: 'CONTOSO\\svc-remediate'}}
```

Contracts:
- A reference holds exactly one of `env` and `keyring`. `resolve(host)` returns the secret or raises
  `CredentialError` naming the host and the *reference* (variable name, keyring service and user), never a value.
- Keyring lookups go through the `keyring` library, imported only when a keyring reference is resolved. No usable
  backend (a headless server without Secret Service, for instance) is a `CredentialError` that says so and names
  the alternative, not a traceback.
- Every secret resolved in this process is remembered, in memory only, so output paths (the CLI's error line, the
  `--debug` wire trace) can mask it with `mask()`: a last line of defence behind the rule that no code formats a
  secret into text in the first place.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import urllib.parse
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from pydantic import BaseModel, ConfigDict, Field, model_validator

from remediate.errors import CredentialError

# Words that name a secret, whole (`svc_pwd`, `sa_pass`, `apiToken`) or inside a longer name (`dbpassword`).
# `key` alone names a registry key in this domain (`tnef_store_driver_key`), so only its secret compounds count.
_SECRET_WORDS = frozenset({"pwd", "pw", "pass", "passwd", "password", "passwords", "passphrase", "passcode",
                           "token", "tokens", "secret", "secrets", "cred", "creds", "credential", "credentials",
                           "apikey", "privkey", "psk"})
_SECRET_INSIDE = re.compile(r"password|passwd|passphrase|passcode|secret|credential|token|apikey|privatekey",
                            re.IGNORECASE)
_KEY_COMPOUNDS = frozenset({"api", "private", "secret", "access", "auth", "signing", "encryption", "ssh", "shared",
                            "client", "master", "session", "recovery", "license", "product", "pre"})
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def looks_like_secret_name(name: str) -> bool:
    """Whether a variable or field name says it holds a secret: one heuristic for the inventory's refusal of
    secret-named variables, for errors that must not echo a value, and for the wire trace's masking."""
    if _SECRET_INSIDE.search(name):
        return True
    words = [w.lower() for w in _WORD.findall(name)]
    if any(w in _SECRET_WORDS for w in words):
        return True
    return any(w == "key" and i > 0 and words[i - 1] in _KEY_COMPOUNDS for i, w in enumerate(words))

HOW_TO_REFERENCE = ("password: {env: NAME_OF_ENVIRONMENT_VARIABLE} or "
                    "password: {keyring: \"SERVICE/USERNAME\"} (an entry of the operating system's keyring)")
MASK = "********"
# Shorter secrets are not masked in free text: replacing every "ab" in a trace would wreck it and hide nothing.
_MIN_MASKED = 4


class KeyringRef(BaseModel):
    """An entry of the operating system's keyring (Windows Credential Manager, macOS Keychain, Secret Service)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    service: str = Field(min_length=1, max_length=512)
    username: str = Field(min_length=1, max_length=512)


class CredentialRef(BaseModel):
    """Where a password lives: exactly one of `env` (a variable name) and `keyring` (service and user name)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=256)
    keyring: KeyringRef | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_reference(cls, value: Any) -> Any:
        # Messages here never echo what was written: a mistyped reference may be the password itself.
        if not isinstance(value, dict):
            raise ValueError("a password must not be written in the inventory; reference it instead: "
                             + HOW_TO_REFERENCE)
        unknown = sorted(str(k) for k in value if k not in ("env", "keyring"))
        if unknown:
            raise ValueError(f"unknown credential reference field(s) {', '.join(unknown)}; expected exactly one "
                             "of env or keyring: " + HOW_TO_REFERENCE)
        given = [k for k in ("env", "keyring") if value.get(k) is not None]
        if len(given) != 1:
            raise ValueError("a credential reference needs exactly one of env or keyring: " + HOW_TO_REFERENCE)
        ring = value.get("keyring")
        if isinstance(ring, str):
            service, sep, username = ring.rpartition("/")
            if not sep or not service or not username:
                raise ValueError('keyring: expected "SERVICE/USERNAME" (split at the last "/"), or '
                                 "{service: SERVICE, username: USERNAME}")
            value = {"keyring": {"service": service, "username": username}}
        return value

    def describe(self) -> str:
        if self.keyring is not None:
            return f"keyring entry service {self.keyring.service!r} user {self.keyring.username!r}"
        return f"environment variable {self.env}"

    def resolve(self, host: str) -> str:
        value = _from_keyring(host, self) if self.keyring is not None else _from_env(host, self)
        if value == "":
            raise CredentialError(host, self.describe(), "is empty")
        remember(value)
        return value


def _from_env(host: str, ref: CredentialRef) -> str:
    import os

    value = os.environ.get(ref.env or "")
    if value is None:
        raise CredentialError(host, ref.describe(), "is not set")
    return value


def _from_keyring(host: str, ref: CredentialRef) -> str:
    assert ref.keyring is not None
    try:
        import keyring
        from keyring.errors import KeyringError, NoKeyringError
    except ImportError:  # pragma: no cover - a dependency; only a broken installation lacks it
        raise CredentialError(host, ref.describe(), "the keyring library is not installed") from None
    try:
        value = keyring.get_password(ref.keyring.service, ref.keyring.username)
    except NoKeyringError:
        raise CredentialError(host, ref.describe(), "no keyring backend is available on this machine (install "
                              "and unlock one, e.g. Secret Service on Linux, or use {env: NAME})") from None
    except KeyringError as exc:
        raise CredentialError(host, ref.describe(), f"the keyring refused the lookup ({type(exc).__name__})") \
            from None
    except Exception as exc:  # noqa: BLE001 - backends raise their own types (D-Bus, Keychain); name the type only
        raise CredentialError(host, ref.describe(), f"the keyring lookup failed ({type(exc).__name__})") from None
    if value is None:
        raise CredentialError(host, ref.describe(), "has no such entry in the keyring (store it with: keyring set "
                              f"{_shell_word(ref.keyring.service)} {_shell_word(ref.keyring.username)})")
    if not isinstance(value, str):
        raise CredentialError(host, ref.describe(), "the keyring returned something other than text")
    return value


def _shell_word(text: str) -> str:
    import shlex

    return shlex.quote(text)


# ------------------------------------------------------------------------------------------------ masking
_known: set[str] = set()
_lock = threading.Lock()


def remember(secret: str) -> None:
    """Note a secret this process holds, so `mask` can hide it wherever it might surface."""
    if secret:
        with _lock:
            _known.add(secret)


def forget_all() -> None:
    """For tests: drop every remembered secret."""
    with _lock:
        _known.clear()


def _forms(secret: str) -> list[str]:
    """The ways a secret may be spelled in text: as is, JSON-, XML- and URL-escaped, base64 of UTF-8/UTF-16LE."""
    forms = {secret, json.dumps(secret)[1:-1], xml_escape(secret, {'"': "&quot;"}), urllib.parse.quote(secret),
             urllib.parse.quote_plus(secret)}
    for encoded in (secret.encode("utf-8"), secret.encode("utf-16-le")):
        forms.add(base64.b64encode(encoded).decode("ascii").rstrip("="))
    return sorted((f for f in forms if len(f) >= _MIN_MASKED), key=len, reverse=True)


def mask(text: str, extra: list[str] | tuple[str, ...] = ()) -> str:
    """`text` with every remembered secret (and `extra`) replaced by ********, in each of its usual spellings."""
    with _lock:
        secrets = [*_known, *extra]
    for secret in secrets:
        if len(secret) < _MIN_MASKED:
            continue
        for form in _forms(secret):
            if form in text:
                text = text.replace(form, MASK)
    return text
