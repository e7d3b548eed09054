"""`remediate diagnose`: from "mail is stuck, event 4006" to the cause, the evidence and the fix.

The read is plan's (remediate/engine/run.py `make_plan`: one agent command per host, nothing written); this package
only interprets it: the symptoms first (symptoms.py), then the ten cases of the write-up in its order (cases.py),
each decided by the findings of the rules filed under it (evidence.py) and by what the readings show together
(ties.py), the causes ranked (rank.py), what to do, and the mail path hop by hop (path.py). The result is one
versioned value (model.py, docs/diagnose-format.md) that the terminal, JSON and HTML writers show.
"""

from remediate.diagnose.engine import diagnose
from remediate.diagnose.model import Diagnosis
from remediate.diagnose.ties import with_path_routers

__all__ = ["Diagnosis", "diagnose", "with_path_routers"]
