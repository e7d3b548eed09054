"""MetaBase.xml on a host's volume, as IIS 6 keeps it, and remediate's copies of it (lab/state/metabase.py's files).

The files are kept on the host's SimFiles (lab/state/files.py), so that the agent's System.IO calls under the
interpreter and the scenarios see one MetaBase.xml.
"""

from __future__ import annotations

import hashlib
import re
import threading
import xml.etree.ElementTree as ET
from typing import Any

from remediate.lab.state import InvalidArgument
from remediate.lab.state.files import SimFiles

# ------------------------------------------------------------------------------------------------ MetaBase.xml

XML_NAMESPACE = "urn:microsoft-catalog:XML_Metabase_V64_0"


def healthy_xml(version: int, instance: int = 1) -> str:
    """A small MetaBase.xml in the IIS 6 shape (TechNet sample b8aafeb4): the SMTP service and one instance."""
    return (
        '<?xml version ="1.0"?>\n'
        f'<configuration xmlns="{XML_NAMESPACE}">\n'
        '<MBProperty>\n'
        f'<IIsComputer Location ="/LM" HistoryMajorVersionNumber="{version}" EnableHistory="TRUE" '
        'MaxHistoryFiles="10">\n</IIsComputer>\n'
        '<IIsSmtpService Location ="/LM/SmtpSvc">\n</IIsSmtpService>\n'
        f'<IIsSmtpServer Location ="/LM/SmtpSvc/{instance}" ServerComment="Default SMTP Virtual Server">\n'
        '</IIsSmtpServer>\n'
        '</MBProperty>\n'
        '</configuration>\n'
    )


def broken_xml(kind: str, version: int) -> str:
    if kind == "unparseable":  # cut off while being written: no closing tags
        return healthy_xml(version)[:180]
    if kind == "missing-smtp-node":
        return re.sub(r"<IIsSmtpServer .*?</IIsSmtpServer>\n", "", healthy_xml(version), flags=re.DOTALL)
    raise InvalidArgument(f"unknown MetaBase.xml content '{kind}' (healthy, unparseable, missing-smtp-node, "
                          "missing or XML text)")


_HISTORY_NAME = re.compile(r"MetaBase_([0-9]{1,10})_([0-9]{1,10})\.xml", re.IGNORECASE)


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def digest(text: str) -> str:
    """The sha256 of the file's bytes (the lab keeps files as UTF-8 text)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def problem(text: str | None, instance: int) -> str | None:
    """Why a MetaBase.xml text is not healthy (the agent's three categories), or None when it is.

    Healthy = parses as XML without a DTD (the agent prohibits DTDs) and holds an IIsSmtpServer element whose
    Location is /LM/SmtpSvc/<instance> (case-insensitive): the reference's case 10, detect #4.
    """
    if text is None:
        return "missing"
    if "<!DOCTYPE" in text:
        return "unparseable"
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return "unparseable"
    want = f"/lm/smtpsvc/{instance}"
    for element in root.iter():
        local_name = element.tag.rsplit("}", 1)[-1]
        if local_name == "IIsSmtpServer" and element.get("Location", "").strip().lower() == want:
            return None
    return f"no IIsSmtpServer node at /LM/SmtpSvc/{instance}"


class MetabaseFiles:
    """MetaBase.xml on the host's volume (`fs`, a SimFiles), as IIS 6 keeps it: `current` is
    %SystemRoot%\\system32\\inetsrv\\MetaBase.xml (None = missing), `history` the History folder's
    MetaBase_<major>_<minor>.xml copies [(major, minor, text)] newest first (IIS 6 names them with ten digits each:
    TechNet cc785251), `backups` remediate's folder inetsrv\\remediate-backup (file name -> text). The files are the
    truth: these properties read and write them, so what System.IO sees under the interpreter and what the
    scenarios see agree. (IIS Admin's stops and starts around a restore are in the host's SCM log, state/services.)"""

    BACKUP_DIR = "inetsrv\\remediate-backup"
    # MetaBase.xml's own ACL on IIS 6: SYSTEM and Administrators only, not inherited ("Metabase Security",
    # IIS 6.0 Operations Guide): the file holds secrets. A backup must keep it (issue 18 defect 9).
    ACL = ["NT AUTHORITY\\SYSTEM:FullControl", "BUILTIN\\Administrators:FullControl"]

    def __init__(self, lock: threading.RLock, fs: SimFiles | None = None) -> None:
        self.lock = lock
        self.fs = fs or SimFiles()

    def bind(self, fs: SimFiles) -> None:
        """Moves the files onto the host's volume (SimHost shares one SimFiles among its domains)."""
        with self.lock:
            current, history, backups = self.current, self.history, self.backups
            self.fs = fs
            self._write_history(history)
            self.current = current
            for name, text in backups.items():
                self._write(self.backup_folder + "\\" + name, text)

    # ---- the files

    @property
    def inetsrv(self) -> str:
        return self.fs.folder("System") + "\\inetsrv"

    @property
    def path(self) -> str:
        return self.inetsrv + "\\MetaBase.xml"

    @property
    def history_folder(self) -> str:
        return self.inetsrv + "\\History"

    @property
    def backup_folder(self) -> str:
        return self.inetsrv + "\\remediate-backup"

    @property
    def current(self) -> str | None:
        with self.lock:
            return _text(self.fs.read(self.path)) if self.fs.is_file(self.path) else None

    @current.setter
    def current(self, text: str | None) -> None:
        with self.lock:
            if text is None:
                if self.fs.is_file(self.path):
                    self.fs.delete(self.path)
                return
            new = not self.fs.is_file(self.path)
            self._write(self.path, text)
            if new:
                self.fs.set_acl(self.path, self.ACL, protected=True)

    @property
    def history(self) -> list[tuple[int, int, str]]:
        with self.lock:
            if not self.fs.is_folder(self.history_folder):
                return []
            entries = []
            for node in self.fs.children(self.history_folder):
                match = _HISTORY_NAME.fullmatch(node.names[-1])
                if match and not node.folder:
                    entries.append((int(match.group(1)), int(match.group(2)), _text(node.data)))
            return sorted(entries, key=lambda e: (e[0], e[1]), reverse=True)

    @property
    def backups(self) -> dict[str, str]:
        with self.lock:
            if not self.fs.is_folder(self.backup_folder):
                return {}
            return {n.names[-1]: _text(n.data) for n in self.fs.children(self.backup_folder) if not n.folder}

    def _write(self, path: str, text: str) -> None:
        self.fs.create_folder(path.rsplit("\\", 1)[0])
        self.fs.write(path, text.encode("utf-8"))

    def _write_history(self, entries: list[tuple[int, int, str]]) -> None:
        if self.fs.is_folder(self.history_folder):
            for node in self.fs.children(self.history_folder):
                if _HISTORY_NAME.fullmatch(node.names[-1]):
                    self.fs.delete(node.path)
        for major, minor, text in entries:
            self._write(f"{self.history_folder}\\MetaBase_{major:010d}_{minor:010d}.xml", text)

    # ---- scenario/test API

    def load(self, data: dict[str, Any] | None) -> None:
        """`{"current": C, "history": [{"version": [major, minor], "content": C}, ...]}` where C is `healthy`,
        `unparseable`, `missing-smtp-node`, `missing` (current only) or literal XML text. Replaces what it names."""
        with self.lock:
            data = data or {}
            unknown = set(data) - {"current", "history"}
            if unknown:
                raise InvalidArgument(f"metabase files: unknown key(s) {sorted(unknown)}")
            history = data.get("history")
            if history is not None:
                entries = []
                for entry in history:
                    version = entry.get("version") if isinstance(entry, dict) else None
                    if not (isinstance(version, list) and len(version) == 2
                            and all(isinstance(v, int) and v >= 0 for v in version)):
                        raise InvalidArgument("a History entry is {version: [major, minor], content: ...}")
                    major, minor = version
                    entries.append((major, minor, self._content(entry.get("content"), major)))
                self._write_history(entries)
            if "current" in data:
                newest = self.history
                version = newest[0][0] if newest else 1
                content = data["current"]
                self.current = None if content == "missing" else self._content(content, version)

    def snapshot(self) -> dict[str, Any]:
        """The managed state: the current file and the history. remediate's backups are left out: they are the
        tool's own record, kept on purpose after a rollback (see `backups`)."""
        with self.lock:
            return {"current": self.current, "history": [list(e) for e in self.history]}

    def backup(self, text: str, stamp: str) -> str:
        """Keeps `text` as MetaBase-<stamp>-<sha256>.xml unless a backup with that digest exists; its name."""
        with self.lock:
            wanted = digest(text)
            for name, kept in self.backups.items():
                if name.endswith(f"-{wanted}.xml") and digest(kept) == wanted:
                    return name
            name = f"MetaBase-{stamp}-{wanted}.xml"
            self._write(self.backup_folder + "\\" + name, text)
            return name

    @staticmethod
    def _content(content: Any, version: int) -> str:
        if not isinstance(content, str):
            raise InvalidArgument("MetaBase.xml content must be a string")
        if content == "healthy":
            return healthy_xml(version)
        if content.lstrip().startswith("<"):
            return content
        return broken_xml(content, version)
