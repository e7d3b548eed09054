"""The HTML reports as a person sees them: rendered by headless Chromium (Debian's `chromium`, which .ci/run installs),
screenshotted, and the screenshot's pixels read back. A page that only parses is not enough: the diagnose page's
mail path is inline SVG, and the screenshot must show its broken hop red and its healthy hops green.

Chromium runs with no network (the reports have no external asset, and the workplace has no network): the flags
below keep it from trying to reach any service, and each run gets a fresh, empty profile. Without Chromium the
tests skip, except in CI (CI=true), where a missing browser is a failure of .ci/run. REMEDIATE_SCREENSHOT_DIR=DIR
keeps the screenshots there.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from collections import Counter
from typing import Any

import pytest

from remediate.lab.fleet import Lab

PASSWORD = "lab-Chromium-Pa55"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
BROKEN_FILL = (0xFF, 0xEB, 0xE9)  # templates/diagnose.html.j2: a broken hop
OK_FILL = (0xDA, 0xFB, 0xE1)  # an ok hop
RED = (0xCF, 0x22, 0x2E)  # the broken hop's border, the "causes" verdict


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs Debian's chromium package")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


def screenshot(page: Path, png: Path, profile: Path, width: int = 1280, height: int = 1600) -> Path:
    profile.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
         f"--screenshot={png}", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert png.exists() and png.stat().st_size > 0, (result.returncode, result.stderr[-2000:])
    keep = os.environ.get("REMEDIATE_SCREENSHOT_DIR")  # to look at them (or keep them as CI artifacts)
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(png, Path(keep) / png.name)
    return png


def read_png(path: Path) -> tuple[int, int, Counter[bytes]]:
    """(width, height, pixel count per RGB colour) of an 8-bit, non-interlaced PNG, as Chromium writes them."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
    assert header is not None
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and color in (2, 6) and interlace == 0, header
    bpp = 3 if color == 2 else 4
    raw, stride, rows = zlib.decompress(idat), width * bpp, []
    previous = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, corner = previous[i], previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        rows.append(bytes(line))
        previous = line
    seen: Counter[bytes] = Counter()
    for row in rows:
        seen.update(row[i:i + 3] for i in range(0, stride, bpp))
    return width, height, seen


def count(seen: Counter[bytes], colour: tuple[int, int, int], tolerance: int = 6) -> int:
    return sum(n for rgb, n in seen.items() if all(abs(rgb[k] - colour[k]) <= tolerance for k in range(3)))


def _lab(scenario: str, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Lab:
    monkeypatch.setenv("REMEDIATE_LAB_PASSWORD", PASSWORD)
    lab = Lab.from_scenario(scenario, password=PASSWORD).start()
    lab.write_inventory(tmp / "inventory.yaml")
    return lab


def test_diagnose_page_draws_the_mail_path_in_chromium(tmp_path: Path, cli: Any,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    lab = _lab("two-causes", tmp_path, monkeypatch)
    try:
        page = tmp_path / "diagnose.html"
        code, out, err = cli("diagnose", "--limit", "ex2019-two", "--html", str(page), "--progress", "none")
    finally:
        lab.stop()
    assert code == 2, err
    html = page.read_text(encoding="utf-8")
    assert "<svg" in html and "<script" not in html and "@import" not in html
    assert "http" not in html.replace(lab.hosts["ex2019-two"].endpoint.url, "").replace(
        "http://www.w3.org/2000/svg", "")  # no asset from anywhere: the only URLs are the endpoint and SVG's namespace
    png = screenshot(page, tmp_path / "diagnose.png", tmp_path / "profile", 1100, 1300)
    width, height, seen = read_png(png)
    assert (width, height) == (1100, 1300)
    # The router hop is broken (case 9) and the server's hops are fine: both colours are on screen, in boxes.
    assert count(seen, BROKEN_FILL) > 5000, "no broken hop drawn"
    assert count(seen, OK_FILL) > 5000, "no healthy hop drawn"
    assert count(seen, RED) > 500


def test_check_page_renders_in_chromium(tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check report (remediate/reports/html.py), which had only text assertions: it renders, and its drift
    shows (the verdict badge in the drift colour)."""
    lab = _lab("two-causes", tmp_path, monkeypatch)
    try:
        page = tmp_path / "check.html"
        code, out, err = cli("check", "--limit", "ex2003-two", "--report", f"html={page}", "--progress", "none")
    finally:
        lab.stop()
    assert code == 2, err
    png = screenshot(page, tmp_path / "check.png", tmp_path / "profile", 1100, 900)
    width, height, seen = read_png(png)
    assert (width, height) == (1100, 900)
    assert count(seen, (0x9A, 0x67, 0x00)) > 200, "the DRIFT verdict badge is not drawn"
    assert count(seen, (0xFF, 0xFF, 0xFF)) > width * height // 3  # a page, not a blank or an error screen
