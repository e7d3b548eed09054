"""python -m remediate.lab.compat > docs/agent-compatibility.md"""

from __future__ import annotations

import sys

from remediate.agent import render_script
from remediate.lab.compat.render import render

if __name__ == "__main__":
    sys.stdout.write(render(render_script()))
