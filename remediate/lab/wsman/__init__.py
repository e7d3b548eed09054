"""The lab's WS-Management (WinRM) endpoint: real HTTP(S), real WS-Man/WinRS, simulated Windows hosts behind it.

Unmodified pywinrm talks to it as it would to Windows: Basic or NTLM authentication, MS-WSMV message encryption
over plain HTTP, HTTPS with certificates from ``generate_tls``, and Windows' faults. What a command does is up
to the ``CommandHandler`` each host is given. See ``server.WSManLab`` for the entry point.
"""

from remediate.lab.wsman.model import (
    AuthMode,
    CommandHandler,
    CommandOutput,
    Counters,
    EndpointConfig,
    Faults,
    HostEndpoint,
)
from remediate.lab.wsman.server import WSManLab
from remediate.lab.wsman.tls import TlsMaterial, generate_tls

__all__ = [
    "AuthMode",
    "CommandHandler",
    "CommandOutput",
    "Counters",
    "EndpointConfig",
    "Faults",
    "HostEndpoint",
    "TlsMaterial",
    "WSManLab",
    "generate_tls",
]
