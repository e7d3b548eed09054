"""The ADSI, Exchange, Defender, NetSecurity and socket tests' names for the shared lab hosts (lab_hosts.py)."""

from __future__ import annotations

from lab_hosts import Ctx as Rt
from lab_hosts import ctx_for as rt_for
from lab_hosts import make_host

__all__ = ["Rt", "make_host", "rt_for"]
