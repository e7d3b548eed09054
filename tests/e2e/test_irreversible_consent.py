"""What a person reads about an irreversible change before it is made (issue 13, "Know irreversibility before the
change"): `plan`'s text names it, says why and how rollback will restore it, and the confirmation prompt of
`apply` lists it and counts it in its question. The JSON marks and the --accept-irreversible refusal are held by
tests/e2e/test_rollback.py and test_exchange_modern.py; this is the text a person sees.

A banner written with ADSI Edit ("ESMTP service ready", no "220 ") cannot go back through Set-ReceiveConnector.
The confirmation is answered "n" on a real pseudo-terminal by a real runner process: nothing is written.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from remediate.lab.fleet import Lab

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="a POSIX pseudo-terminal")

REPO = Path(__file__).resolve().parents[2]
BOOK = ["-p", str(REPO / "playbooks" / "smtp-banner-modern.yaml")]
HOST = "ex2013-banner"


def test_plan_text_and_the_confirmation_prompt_name_the_irreversible_change(cli: Any, lab_password: str,
                                                                          tmp_path: Path) -> None:
    with Lab.from_scenario("exchange-modern-causes", password=lab_password) as lab:
        lab.write_inventory(cli.inventory)
        code, out, err = cli("plan", *BOOK, "--limit", HOST)
        assert code == 2, err
        flat = " ".join(out.split())
        assert "irreversible: " in flat, out
        said = flat.split("irreversible: ", 1)[1]
        assert "Set-ReceiveConnector" in said and "rollback restores it" in said and "msExchSmtpReceiveBanner" in said

        # A person at a terminal, answering the prompt "n".
        controller, terminal = pty.openpty()
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "remediate", "apply", *BOOK, "--limit", HOST, "-i", str(cli.inventory),
                 "--state-dir", str(cli.state), "--progress", "none"],
                stdin=terminal, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ))
            os.write(controller, b"n\n")
            out_b, err_b = proc.communicate(timeout=90)
        finally:
            os.close(terminal)
            os.close(controller)
        out, err = out_b.decode(), err_b.decode()
        assert proc.returncode == 3, (out, err)  # refused by the person: nothing applied
        flat = " ".join(out.split())
        assert "Irreversible by the normal setter (1):" in flat, out
        listed = flat.split("Irreversible by the normal setter (1):", 1)[1]
        assert listed.lstrip().startswith(f"{HOST}: ") and "rollback restores it" in listed, out
        assert "Apply 1 change(s), 1 of them irreversible by their normal setter (listed above)?" in flat, out
        assert "Nothing applied." in flat
        assert lab.total_writes() == 0
