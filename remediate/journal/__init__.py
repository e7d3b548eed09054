"""The run journal: the memory that makes rollback possible (runs, each host's snapshot and outcome).

SQLite in the state directory by default (sqlite.py); PostgreSQL for a team (postgres.py), chosen by the
inventory's `journal:` or `REMEDIATE_JOURNAL` (location.py). Both keep the contract of base.py, and both seal every
host row with an integrity code that rollback checks (integrity.py). The journal holds values and identities
only: no passwords, no connection secrets.
"""

from remediate.journal.base import RunJournal
from remediate.journal.location import JOURNAL_ENV, JournalSetting, open_journal
from remediate.journal.records import SENDING, JournalHost, JournalRun, new_run_id
from remediate.journal.sqlite import SqliteJournal

# The embedded default under its old name: `Journal(state_dir)`.
Journal = SqliteJournal

__all__ = ["JOURNAL_ENV", "SENDING", "Journal", "JournalHost", "JournalRun", "JournalSetting", "RunJournal",
           "SqliteJournal", "new_run_id", "open_journal"]
