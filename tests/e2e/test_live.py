"""The core cycle against a real Windows host, opt-in.

Set REMEDIATE_LIVE_HOST (address), REMEDIATE_LIVE_USER, REMEDIATE_LIVE_PASSWORD_ENV (the *name* of the variable
holding the password), and optionally REMEDIATE_LIVE_SCHEME (https), REMEDIATE_LIVE_PORT, REMEDIATE_LIVE_CA.
The test writes and removes values under HKLM\\SOFTWARE\\RemediateLiveTest only.
"""

from __future__ import annotations

import json
import os

import pytest

pytestmark = pytest.mark.live
LIVE = os.environ.get("REMEDIATE_LIVE_HOST")


@pytest.mark.skipif(not LIVE, reason="REMEDIATE_LIVE_HOST not set: no real Windows host to test against")
def test_live_plan_apply_rollback(cli, playbook):
    scheme = os.environ.get("REMEDIATE_LIVE_SCHEME", "https")
    connection = {"address": LIVE, "scheme": scheme, "transport": "ntlm",
                  "user": os.environ["REMEDIATE_LIVE_USER"],
                  "password": {"env": os.environ["REMEDIATE_LIVE_PASSWORD_ENV"]}}
    if os.environ.get("REMEDIATE_LIVE_PORT"):
        connection["port"] = int(os.environ["REMEDIATE_LIVE_PORT"])
    if os.environ.get("REMEDIATE_LIVE_CA"):
        connection["ca_file"] = os.environ["REMEDIATE_LIVE_CA"]
    cli.inventory.write_text(json.dumps({"hosts": {"live": {"connection": connection}}}))
    book = playbook([
        {"hive": "HKLM", "key": "SOFTWARE\\RemediateLiveTest", "name": "Dword", "type": "REG_DWORD", "data": 7},
        {"hive": "HKLM", "key": "SOFTWARE\\RemediateLiveTest", "name": "Hostile", "type": "REG_SZ",
         "data": "'; Remove-Item C:\\ -Recurse; ' `$(x) \u2018q\u2019 Grüße"},
    ])
    code, plan = cli.json("plan", "-p", str(book))
    assert code in (0, 2), plan
    code, result = cli.json("apply", "-p", str(book), "--yes")
    assert code == 0, result
    assert cli.json("plan", "-p", str(book))[0] == 0
    code, undone = cli.json("rollback", result["run_id"])
    assert code == 0, undone
