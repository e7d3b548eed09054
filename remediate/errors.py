"""One error hierarchy for the whole tool.

Every error the user can cause or meet carries typed fields, so the CLI can print one clear line (file, line,
field, expected, found) and callers can branch on fields instead of parsing text. Messages never contain secrets:
credentials are only ever referred to by the *name* of their reference (an environment variable name).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class RemediateError(Exception):
    """Base of every error remediate raises on purpose. The CLI turns these into exit code 1 without traceback."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Location:
    """Where in a user's file something was found. `line` is 1-based; `field` is a dotted path."""

    file: str
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        out = self.file
        if self.line is not None:
            out += f":{self.line}"
        if self.field:
            out += f": {self.field}"
        return out


class InputError(RemediateError):
    """Bad input in a user's file (inventory, playbook, plan file, waiver file)."""

    def __init__(self, location: Location, problem: str) -> None:
        self.location = location
        self.problem = problem
        super().__init__(f"{location}: {problem}")


class InputProblems(InputError):
    """Several problems in users' files, reported together: every one with its file, line and field (validate lists
    all of them, and so does a plan that cannot start). The first is also this error's location and problem, for
    callers that look at one; `problems` holds them all, in order, each a RemediateError with its own message."""

    def __init__(self, problems: list[RemediateError]) -> None:
        flat: list[RemediateError] = []
        for problem in problems:
            flat += problem.problems if isinstance(problem, InputProblems) else [problem]
        if not flat:
            raise ValueError("InputProblems needs at least one problem")
        self.problems = flat
        first = next((p for p in flat if isinstance(p, InputError)), None)
        super().__init__(first.location if first else Location("input"), first.problem if first else str(flat[0]))
        self.message = "\n".join(str(p) for p in flat)


class CredentialError(RemediateError):
    """A credential reference that cannot be resolved. Names the reference, never a value."""

    def __init__(self, host: str, reference: str, problem: str) -> None:
        self.host = host
        self.reference = reference
        super().__init__(f"host {host}: credential {reference}: {problem}")


class HostError(RemediateError):
    """Something went wrong talking to, or on, one host. Other hosts carry on."""

    kind = "host"
    # Set by a transport on failures worth a second try of a *read* (timeouts, 5xx, a dropped connection); an apply
    # is never re-sent whatever this says (remediate.agent.call).
    transient = False
    # Set by a transport when the failure came after the command's input was sent in full: the command may be
    # running. A handle for `Connection.collect`, which fetches its output over a new session (never re-sends it).
    in_flight: object = None

    def __init__(self, host: str, problem: str, *, transient: bool = False) -> None:
        self.host = host
        self.problem = problem
        self.transient = transient
        super().__init__(f"host {host}: {problem}")


class UnreachableError(HostError):
    """The host could not be reached or the connection broke (TCP, TLS, HTTP 5xx before a command ran)."""

    kind = "unreachable"


class AuthenticationError(HostError):
    """The host refused our credentials (HTTP 401)."""

    kind = "authentication"


class KerberosFailure(str, Enum):
    """Why a Kerberos logon failed, as far as the client can tell (remediate/transport/kerberos.py)."""

    NO_TICKET = "no_ticket"
    TICKET_EXPIRED = "ticket_expired"
    CLOCK_SKEW = "clock_skew"
    UNKNOWN_SPN = "unknown_spn"
    WRONG_REALM = "wrong_realm"
    PASSWORD_EXPIRED = "password_expired"
    BAD_PASSWORD = "bad_password"
    UNKNOWN_PRINCIPAL = "unknown_principal"
    KDC_UNREACHABLE = "kdc_unreachable"
    NOT_INSTALLED = "not_installed"
    REFUSED = "refused"  # the host answered 401 to a valid ticket
    OTHER = "other"


class KerberosError(AuthenticationError):
    """A Kerberos logon failed before or at the host. `cause` says why; `code` is the krb5 error code if known."""

    def __init__(self, host: str, cause: KerberosFailure, problem: str, code: int | None = None) -> None:
        self.cause = cause
        self.code = code
        super().__init__(host, problem)


class TransportError(HostError):
    """The WS-Management conversation failed (SOAP fault, timeout, broken answer)."""

    kind = "transport"
    # The WS-Management fault code when the failure was a SOAP fault (callers branch on it, never on the text).
    fault_code: int | None = None


class AgentError(HostError):
    """The agent script ran but its answer was missing or malformed."""

    kind = "agent"


class RefusedError(RemediateError):
    """The run was refused on purpose: stale plan, outside the change window, lock held. Exit code 3."""
