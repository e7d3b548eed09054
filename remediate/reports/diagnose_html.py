"""`remediate diagnose --html FILE`: one self-contained page, each Exchange host's mail path drawn as inline SVG.

Contract (as the check report's, remediate/reports/html.py): rendered from `templates/diagnose.html.j2` with
autoescape on and StrictUndefined; inline CSS and SVG only, no script, no external URL, so it reads the same offline,
on a phone and on paper. The picture is per host: Exchange server -> host firewall -> router inspection or network
path -> smart host or next hop, each hop coloured by its state, with the evidence that decided it in the hop's
<title> (shown on hover) and in the tables below it. This module lays the picture out; the template draws it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from remediate import __version__
from remediate.assets import asset_dir
from remediate.diagnose.model import Diagnosis, HostDiagnosis, HopState
from remediate.reports.values import queue_line
from remediate.securefiles import write_private

TEMPLATE = "diagnose.html.j2"
HOP_WIDTH, HOP_HEIGHT, GAP, MARGIN = 190, 86, 40, 10
NAME_CHARS = 26  # what fits on a hop's second line; the whole name is in its <title> and the tables
STATE_WORDS = {HopState.OK: "ok", HopState.BROKEN: "broken", HopState.UNKNOWN: "could not tell",
               HopState.NOT_CHECKED: "not checked"}


def render_diagnosis_html(diagnosis: Diagnosis) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(asset_dir("templates"))), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.get_template(TEMPLATE).render(
        version=__version__, created_at=diagnosis.created_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        inventory=diagnosis.inventory, playbooks=diagnosis.playbooks, summary=diagnosis.summary,
        hosts=[_host(h) for h in diagnosis.hosts])


def write_diagnosis_html(diagnosis: Diagnosis, path: Path) -> None:
    write_private(path, render_diagnosis_html(diagnosis), what="HTML report")


def _host(host: HostDiagnosis) -> dict[str, Any]:
    return {"d": host, "anchor": "host-" + "".join(c if c.isalnum() else "-" for c in host.host),
            "picture": _picture(host) if host.path else None,
            "stuck": [queue_line(q.model_dump()) for q in host.symptoms.stuck]}


def _picture(host: HostDiagnosis) -> dict[str, Any]:
    hops = []
    for n, hop in enumerate(host.path):
        x = MARGIN + n * (HOP_WIDTH + GAP)
        name = hop.name if len(hop.name) <= NAME_CHARS else hop.name[: NAME_CHARS - 1] + "\u2026"
        state = STATE_WORDS[hop.state] + (f": case {', '.join(map(str, hop.cases))}" if hop.cases else "")
        hops.append({"x": x, "label": hop.label, "name": name, "state": hop.state.value, "state_text": state,
                     "title": "\n".join([f"{hop.label}: {hop.name} ({STATE_WORDS[hop.state]})", *hop.evidence])})
    arrows = [{"x1": h["x"] + HOP_WIDTH, "x2": h["x"] + HOP_WIDTH + GAP - 4} for h in hops[:-1]]
    width = 2 * MARGIN + len(hops) * HOP_WIDTH + (len(hops) - 1) * GAP
    queue = host.symptoms.stuck[0] if host.symptoms.stuck else None
    caption = (f"queue {queue.identity}: {queue.status}, {queue.message_count} messages to {queue.next_hop}"
               if queue else "no queue stuck")
    summary = "; ".join(f"{h.label} {h.name}: {STATE_WORDS[h.state]}" for h in host.path)
    return {"width": width, "height": HOP_HEIGHT + 2 * MARGIN + 26, "hop_width": HOP_WIDTH,
            "hop_height": HOP_HEIGHT, "y": MARGIN, "mid": MARGIN + HOP_HEIGHT // 2, "hops": hops, "arrows": arrows,
            "caption": caption, "caption_y": MARGIN + HOP_HEIGHT + 20, "stuck": queue is not None,
            "label": f"Mail path of {host.host}: {summary}"}
