"""The journal's files on disk: a private state folder, files created 0600 without following links.

The project-wide way to create files safely is the trust-boundary work (issue 12); until it is on main these
three functions are the journal's, and each is the one call to switch over.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from remediate.errors import RemediateError

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_POSIX = os.name == "posix"


def private_dir(path: Path) -> None:
    """Create `path` mode 700, or accept an existing folder only if it is ours and nobody else can write it."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = os.lstat(path)
    except OSError as exc:
        raise RemediateError(f"cannot create state directory {path}: {exc.strerror or exc}") from None
    if not _POSIX:
        return
    if not stat.S_ISDIR(info.st_mode):
        raise RemediateError(f"state directory {path} is not a folder (a link or a file is refused)")
    if info.st_uid != os.geteuid():
        raise RemediateError(f"state directory {path} belongs to another user (uid {info.st_uid}); the journal "
                             "and its key must be the runner's own")
    if info.st_mode & 0o022:
        raise RemediateError(f"state directory {path} can be written by others (mode {stat.S_IMODE(info.st_mode):03o}); "
                             f"anyone could replace the journal or its key: chmod 700 {path}")


def create_private(path: Path, data: bytes) -> bool:
    """Create `path` 0600 holding `data`, never through a link; False when it already exists (nothing written)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    except FileExistsError:
        return False
    except OSError as exc:
        raise RemediateError(f"cannot create {path}: {exc.strerror or exc}") from None
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    return True


def read_private(path: Path, what: str) -> bytes:
    """The content of a file that must be ours and private (not a link, no group or other access)."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    except OSError as exc:
        raise RemediateError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if _POSIX and info.st_uid != os.geteuid():
            raise RemediateError(f"{what} {path} belongs to another user (uid {info.st_uid}); refused")
        if _POSIX and info.st_mode & 0o077:
            raise RemediateError(f"{what} {path} is open to other users (mode {stat.S_IMODE(info.st_mode):03o}); "
                                 f"refused: chmod 600 {path} if it is yours and nobody else could have changed it")
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def ensure_private_file(path: Path, what: str) -> None:
    """Create an empty 0600 file if there is none (SQLite then opens it, and makes its -wal/-shm files with the
    same mode). An existing one must be ours and writable by nobody else; one that others may read (the journal
    was created 0644 before) is tightened to 0600."""
    if not create_private(path, b""):
        info = check_private_mode(path, what)
        if _POSIX and info.st_mode & 0o077:
            os.chmod(path, 0o600)


def check_private_mode(path: Path, what: str) -> os.stat_result:
    try:
        info = os.lstat(path)
    except OSError as exc:
        raise RemediateError(f"cannot open {what} {path}: {exc.strerror or exc}") from None
    if not _POSIX:
        return info
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode):
        raise RemediateError(f"{what} {path} is not a regular file (a link is refused)")
    if info.st_uid != os.geteuid():
        raise RemediateError(f"{what} {path} belongs to another user (uid {info.st_uid}); refused")
    if info.st_mode & 0o022:
        raise RemediateError(f"{what} {path} can be written by others (mode {stat.S_IMODE(info.st_mode):03o}); "
                             f"refused: chmod 600 {path}")
    return info
