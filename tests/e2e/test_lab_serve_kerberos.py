"""`remediate lab serve --kerberos` as a user runs it: a separate process with its own realm and KDC, and a runner
in another process that only gets the printed KRB5_CONFIG (and the lab's password through its variable)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from ruamel.yaml import YAML

from remediate.lab.kdc import find_program


def test_lab_serve_kerberos_for_a_user(tmp_path: Path, lab_password: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KRB5")}
    env["REMEDIATE_LAB_PASSWORD"] = lab_password
    env["REMEDIATE_STATE_DIR"] = str(tmp_path / "state")
    out = tmp_path / "serve.out"
    lab = subprocess.Popen([sys.executable, "-m", "remediate", "lab", "serve", "--kerberos", "--base-port", "0",
                            "--scenario", "compliant", "--inventory-out", str(tmp_path / "lab.yaml")],
                           cwd=tmp_path, env=env, stdout=out.open("wb"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while "Serving" not in out.read_text(errors="replace"):
            assert lab.poll() is None, out.read_text(errors="replace")
            assert time.monotonic() < deadline, out.read_text(errors="replace")
            time.sleep(0.1)
        printed = out.read_text()
        krb5_config = re.search(r"export KRB5_CONFIG=(\S+)", printed).group(1)
        assert "kinit remediate@REMEDIATE.LAB" in printed
        client = {**env, "KRB5_CONFIG": krb5_config, "KRB5CCNAME": f"FILE:{tmp_path / 'ccache'}"}
        inventory = YAML().load((tmp_path / "lab.yaml").read_text())
        assert inventory["connection"]["transport"] == "kerberos"
        plan = subprocess.run([sys.executable, "-m", "remediate", "plan", "-i", str(tmp_path / "lab.yaml")],
                              cwd=tmp_path, env=client, capture_output=True, text=True, timeout=120)
        assert plan.returncode == 0, plan.stdout + plan.stderr  # the compliant scenario, read over Kerberos

        # The other way a user works: a ticket from kinit, no password in the inventory.
        del inventory["groups"]["lab"]["connection"]["password"]
        YAML().dump(inventory, (tmp_path / "kinit.yaml").open("w"))
        subprocess.run([find_program("kinit"), "remediate@REMEDIATE.LAB"], input=lab_password + "\n", text=True,
                       env=client, check=True, capture_output=True, timeout=30)
        plan = subprocess.run([sys.executable, "-m", "remediate", "plan", "-i", str(tmp_path / "kinit.yaml")],
                              cwd=tmp_path, env=client, capture_output=True, text=True, timeout=120)
        assert plan.returncode == 0, plan.stdout + plan.stderr
    finally:
        lab.send_signal(signal.SIGTERM)
        lab.wait(30)
    kdc_pid = subprocess.run(["pgrep", "-f", str(tmp_path / "kerberos")], capture_output=True, text=True).stdout
    assert not kdc_pid.strip()  # the lab stopped its KDC
