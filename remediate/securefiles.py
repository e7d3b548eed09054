"""One way to create every file remediate writes, and to trust the folders it keeps state in.

Every file the tool writes (the journal and its key files, plan files, reports, the wire trace, the lab's password,
keys and credential files) is opened here, never with `open()`, `Path.write_text()` or `Path.touch()`; a folder
that holds state (the journal's state folder, the lab's `.remediate-lab`) is made or checked here. The contract:

- `private_dir(path, what=...)` MUST be called before a file is created in a state folder. It creates the folder
  mode 0700 when missing (parents with the default mode). An existing folder is refused with `UnsafePathError`
  when it is not a directory, when another user owns it, or when group or others can write to it (they could
  plant or swap files: a journal row, a symlink where the journal will be created). With `ancestors=True` every
  folder above it is checked as OpenSSH's StrictModes does: owned by root or by us, and not writable by group or
  others unless the sticky bit is set (`/tmp`). A folder we own that others may *read* is narrowed to 0700.
- `open_private(path, how, what=..., binary=False, mode=0o600)` returns an open file object:
  - `how="new"`: the file MUST NOT exist (O_CREAT | O_EXCL | O_NOFOLLOW); an existing file or symlink is refused.
  - `how="replace"`: created if missing; an existing file is truncated and rewritten in place.
  - `how="append"`: created if missing; an existing file is appended to.
  For "replace" and "append" an existing path MUST be a regular file (a symlink is never followed: O_NOFOLLOW),
  owned by the effective user, with one link, and not writable by group or others; it is then narrowed to `mode`
  (a 0644 file we own becomes 0600) *before* a byte is written. Anything else is `UnsafePathError` naming the path
  and what is wrong, and the file is left as it was (never truncated).
- `write_private(path, data, how="replace", ...)` writes `str` (UTF-8) or `bytes` in one call.
- `check_private_file(path, ...)` applies the existing-file checks (and narrowing) to a file that another
  library creates itself (SQLite's journal, its -wal and -shm files) without writing to it.

What it MAY NOT do: it protects the last path component (O_NOFOLLOW) and the folders checked with `private_dir`;
a symlink higher up in a path the operator chose (`-o /some/link/plan.json`) is followed, as the operator asked.
Checks run on the open descriptor (fstat, fchmod, ftruncate), so a swap between check and write is not possible
for the file itself. Windows workstations have no POSIX modes: there only O_EXCL and the symlink refusal apply.
"""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path
from typing import IO, Any, Literal

from remediate.errors import RemediateError

How = Literal["new", "replace", "append"]

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700

_POSIX = os.name == "posix"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_SYMLINK = "is a symbolic link; refusing to follow it (it could point at any file): remove it or choose another path"


class UnsafePathError(RemediateError):
    """A file or folder remediate would write is not safe to write: it names the path, its role and the reason."""

    def __init__(self, path: Path | str, what: str, problem: str) -> None:
        self.path = str(path)
        self.what = what
        self.problem = problem
        super().__init__(f"{what} {self.path}: {problem}")


def _euid() -> int:
    return os.geteuid() if _POSIX else -1


def _owner_problem(st: os.stat_result) -> str | None:
    if _POSIX and st.st_uid != _euid():
        return (f"owned by another user (uid {st.st_uid}, this process runs as uid {_euid()}); refusing to use it: "
                "remove it or choose another path")
    return None


def _writable_problem(st: os.stat_result, fix: str) -> str | None:
    if _POSIX and st.st_mode & 0o022:
        who = " and ".join(w for w, bit in (("group", 0o020), ("others", 0o002)) if st.st_mode & bit)
        return (f"writable by {who} (mode {stat.S_IMODE(st.st_mode):04o}): someone else could have planted or "
                f"changed it; refusing to use it: {fix}")
    return None


def _oserror(path: Path | str, what: str, exc: OSError, verb: str) -> UnsafePathError:
    return UnsafePathError(path, what, f"cannot {verb}: {exc.strerror or exc}")


# ------------------------------------------------------------------------------------------------------ folders


def private_dir(path: Path, *, what: str = "state folder", ancestors: bool = False) -> Path:
    """Create `path` mode 0700, or check an existing one (see the module docstring). Returns `path`."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    except FileExistsError:
        pass  # a file (or a dangling symlink) is where the folder should be: reported below
    except OSError as exc:
        raise _oserror(path, what, exc, "create it") from None
    try:
        st = os.stat(path)  # a symlinked state folder is fine if what it points to passes the checks
    except OSError as exc:
        raise _oserror(path, what, exc, "read its status") from None
    if not stat.S_ISDIR(st.st_mode):
        raise UnsafePathError(path, what, "exists and is not a folder")
    problem = _owner_problem(st) or _writable_problem(
        st, f"make it private ('chmod 700 {path}') after checking what it holds, or choose another folder")
    if problem:
        raise UnsafePathError(path, what, problem)
    if _POSIX and st.st_mode & 0o077:
        try:
            os.chmod(path, PRIVATE_DIR_MODE)  # ours, and only readable by others: the journal's values are private
        except OSError as exc:
            raise _oserror(path, what, exc, "make it private (chmod 700)") from None
    if ancestors and _POSIX:
        _check_ancestors(path.resolve(), what)
    return path


def _check_ancestors(path: Path, what: str) -> None:
    for folder in path.parents:
        try:
            st = os.stat(folder)
        except OSError as exc:
            raise _oserror(folder, f"folder above the {what}", exc, "read its status") from None
        sticky = bool(st.st_mode & stat.S_ISVTX)
        if st.st_uid not in (0, _euid()):
            raise UnsafePathError(path, what, f"the folder above it, {folder}, is owned by another user (uid "
                                  f"{st.st_uid}), who could replace this folder; choose a folder under your own")
        if st.st_mode & 0o022 and not sticky:
            raise UnsafePathError(path, what, f"the folder above it, {folder}, is writable by others (mode "
                                  f"{stat.S_IMODE(st.st_mode):04o}, no sticky bit), who could replace this "
                                  "folder; choose another folder")


# -------------------------------------------------------------------------------------------------------- files


def _check_open_file(fd: int, path: Path, what: str, mode: int) -> None:
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        raise UnsafePathError(path, what, "exists and is not a regular file")
    problem = _owner_problem(st) or _writable_problem(
        st, "remove it (or 'chmod go-w' it after checking its content) or choose another path")
    if problem is None and _POSIX and st.st_nlink > 1:
        problem = (f"has {st.st_nlink} hard links: writing it would change another file too; remove it or choose "
                   "another path")
    if problem:
        raise UnsafePathError(path, what, problem)
    if _POSIX and stat.S_IMODE(st.st_mode) & ~mode:
        os.fchmod(fd, mode)  # a 0644 file we own becomes 0600 before it receives anything


def _open_problem(path: Path, what: str, exc: OSError) -> UnsafePathError:
    """Why an existing path could not be opened: a symlink (O_NOFOLLOW), a FIFO or device, or the OS's reason."""
    try:
        st = os.lstat(path)
    except OSError:
        return _oserror(path, what, exc, "open it")
    if stat.S_ISLNK(st.st_mode):
        return UnsafePathError(path, what, _SYMLINK)
    if not stat.S_ISREG(st.st_mode):
        return UnsafePathError(path, what, "exists and is not a regular file")
    return _oserror(path, what, exc, "open it")


def _open_fd(path: Path, how: How, what: str, mode: int) -> int:
    flags = os.O_WRONLY | _NOFOLLOW | _CLOEXEC | getattr(os, "O_BINARY", 0)
    if how == "append":
        flags |= os.O_APPEND
    try:
        fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        if how == "new":
            if os.path.islink(path):
                raise UnsafePathError(path, what, _SYMLINK) from None
            raise UnsafePathError(path, what, "already exists; remove it or choose another path") from None
    except OSError as exc:
        raise _oserror(path, what, exc, "create it") from None
    else:
        if _POSIX and stat.S_IMODE(os.fstat(fd).st_mode) != mode:
            os.fchmod(fd, mode)  # a umask narrower than `mode` would leave the file unusable to its own writer
        return fd
    try:
        # O_NONBLOCK: a FIFO planted at the path must not hang the run; it is refused below as not a regular file.
        fd = os.open(path, flags | _NONBLOCK, mode)
    except OSError as exc:
        raise _open_problem(path, what, exc) from None
    try:
        _check_open_file(fd, path, what, mode)
        if _NONBLOCK:
            os.set_blocking(fd, True)
        if how == "replace":
            os.ftruncate(fd, 0)
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_private(path: Path | str, how: How, *, what: str = "file", binary: bool = False,
                 mode: int = PRIVATE_FILE_MODE) -> IO[Any]:
    """Open `path` for writing as the module docstring says. The caller closes it (use `with`)."""
    path = Path(path)
    fd = _open_fd(path, how, what, mode)
    if binary:
        return os.fdopen(fd, "ab" if how == "append" else "wb")
    return io.open(fd, "a" if how == "append" else "w", encoding="utf-8", errors="backslashreplace", newline="")


def write_private(path: Path | str, data: str | bytes, how: How = "replace", *, what: str = "file",
                  mode: int = PRIVATE_FILE_MODE) -> None:
    """Write `data` (str as UTF-8, or bytes) to `path` in one call; see `open_private`."""
    with open_private(path, how, what=what, binary=isinstance(data, bytes), mode=mode) as fh:
        fh.write(data)


def check_private_file(path: Path | str, *, what: str = "file", mode: int = PRIVATE_FILE_MODE) -> bool:
    """Check (and narrow to `mode`) an existing file that another library opens itself; False when it is absent."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | _NONBLOCK)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise _open_problem(path, what, exc) from None
    try:
        _check_open_file(fd, path, what, mode)
    finally:
        os.close(fd)
    return True
