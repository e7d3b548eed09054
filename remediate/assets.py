"""Files shipped with the package: the agent template, report templates, playbooks.

In a wheel they live inside the package (`remediate.templates`, `remediate.playbooks`, mapped in pyproject.toml);
in a source checkout they are the top-level `templates/` and `playbooks/` folders of the repository.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent


def asset_dir(name: str) -> Path:
    """The folder of shipped files called `name` ("templates" or "playbooks")."""
    try:
        folder = Path(str(resources.files(f"remediate.{name}")))
    except ModuleNotFoundError:
        folder = _REPO / name
    if not folder.is_dir():
        folder = _REPO / name
    return folder
