"""remediate/securefiles.py: every file the tool writes is 0600, never follows a planted symlink, and an unsafe
existing file or state folder is refused with a clear error (issue 12, finding 2 and 7)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from remediate.securefiles import (
    UnsafePathError,
    check_private_file,
    open_private,
    private_dir,
    write_private,
)

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX modes and owners")
OTHER_UID = 65534  # nobody


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@posix_only
@pytest.mark.parametrize("how", ["new", "replace", "append"])
def test_a_new_file_is_0600_whatever_the_umask(tmp_path: Path, how: str) -> None:
    old = os.umask(0)
    try:
        write_private(tmp_path / "f", "x", how)  # type: ignore[arg-type]
    finally:
        os.umask(old)
    assert mode_of(tmp_path / "f") == 0o600
    assert (tmp_path / "f").read_text() == "x"


@posix_only
@pytest.mark.parametrize("how, expected", [("replace", "new"), ("append", "oldnew")])
def test_an_existing_0644_file_of_ours_is_narrowed_before_it_is_written(tmp_path: Path, how: str,
                                                                          expected: str) -> None:
    target = tmp_path / "password"
    target.write_text("old")
    os.chmod(target, 0o644)
    write_private(target, "new", how)  # type: ignore[arg-type]
    assert mode_of(target) == 0o600
    assert target.read_text() == expected


def _planted_symlink(tmp_path: Path) -> tuple[Path, Path]:
    victim = tmp_path / "victim"
    victim.write_text("precious")
    link = tmp_path / "link"
    link.symlink_to(victim)
    return link, victim


def _other_users_file(tmp_path: Path) -> Path:
    path = tmp_path / "theirs"
    path.write_text("theirs")
    os.chmod(path, 0o600)
    try:
        os.chown(path, OTHER_UID, -1)
    except PermissionError:
        pytest.skip("chown to another user needs root")
    return path


def _writable_by_others(tmp_path: Path) -> Path:
    path = tmp_path / "open"
    path.write_text("open")
    os.chmod(path, 0o666)
    return path


def _hard_linked(tmp_path: Path) -> Path:
    (tmp_path / "original").write_text("original")
    os.link(tmp_path / "original", tmp_path / "alias")
    return tmp_path / "alias"


def _fifo(tmp_path: Path) -> Path:
    os.mkfifo(tmp_path / "fifo")
    return tmp_path / "fifo"


UNSAFE = [
    ("symlink", lambda p: _planted_symlink(p)[0], "symbolic link"),
    ("another user's file", _other_users_file, "owned by another user"),
    ("writable by others", _writable_by_others, "writable by group and others"),
    ("hard link", _hard_linked, "2 hard links"),
    ("fifo", _fifo, "not a regular file"),
]


@posix_only
@pytest.mark.parametrize("how", ["replace", "append"])
@pytest.mark.parametrize("case, make, expected", UNSAFE, ids=[c[0] for c in UNSAFE])
def test_unsafe_existing_files_are_refused_and_left_alone(tmp_path: Path, how: str, case: str, make,
                                                          expected: str) -> None:
    path = make(tmp_path)
    before = {p.name: (p.read_text() if p.is_file() else None, mode_of(p)) for p in tmp_path.iterdir()
              if not p.is_fifo()}
    with pytest.raises(UnsafePathError) as err:
        write_private(path, "hostile", how, what="debug log")  # type: ignore[arg-type]
    assert expected in err.value.problem
    assert str(err.value).startswith(f"debug log {path}: ")
    after = {p.name: (p.read_text() if p.is_file() else None, mode_of(p)) for p in tmp_path.iterdir()
             if not p.is_fifo()}
    assert after == before, "a refused file must not be truncated, written or re-moded"


@posix_only
@pytest.mark.parametrize("case, make, expected", UNSAFE, ids=[c[0] for c in UNSAFE])
def test_check_private_file_refuses_the_same(tmp_path: Path, case: str, make, expected: str) -> None:
    with pytest.raises(UnsafePathError, match=expected):
        check_private_file(make(tmp_path), what="journal")


def test_new_refuses_anything_already_there(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(UnsafePathError, match="already exists"):
        write_private(tmp_path / "f", "y", "new")
    link, victim = _planted_symlink(tmp_path)
    with pytest.raises(UnsafePathError, match="symbolic link"):
        write_private(link, "y", "new")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    with pytest.raises(UnsafePathError, match="symbolic link"):
        write_private(tmp_path / "dangling", "y", "new")
    assert not (tmp_path / "nowhere").exists()
    assert victim.read_text() == "precious"


def test_binary_and_text(tmp_path: Path) -> None:
    write_private(tmp_path / "b", b"\x00\xff")
    assert (tmp_path / "b").read_bytes() == b"\x00\xff"
    with open_private(tmp_path / "t", "append") as fh:
        fh.write("é\n")
    assert (tmp_path / "t").read_bytes() == "é\n".encode()
    assert check_private_file(tmp_path / "absent") is False
    assert check_private_file(tmp_path / "t") is True


@posix_only
def test_state_folder_is_created_0700(tmp_path: Path) -> None:
    folder = private_dir(tmp_path / "a" / "state", ancestors=True)
    assert mode_of(folder) == 0o700


@posix_only
def test_state_folder_of_ours_readable_by_others_is_narrowed(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    private_dir(folder)
    assert mode_of(folder) == 0o700


@posix_only
@pytest.mark.parametrize("mode", [0o777, 0o770, 0o1777])
def test_state_folder_others_can_write_is_refused_not_fixed(tmp_path: Path, mode: int) -> None:
    folder = tmp_path / "state"
    folder.mkdir()
    os.chmod(folder, mode)
    with pytest.raises(UnsafePathError, match=r"state folder .*: writable by .* \(mode "):
        private_dir(folder)
    assert mode_of(folder) == mode


@posix_only
def test_state_folder_of_another_user_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    folder.mkdir(mode=0o700)
    try:
        os.chown(folder, OTHER_UID, -1)
    except PermissionError:
        pytest.skip("chown to another user needs root")
    with pytest.raises(UnsafePathError, match="owned by another user"):
        private_dir(folder)


@posix_only
def test_state_folder_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "state").write_text("")
    with pytest.raises(UnsafePathError, match="not a folder"):
        private_dir(tmp_path / "state")


@posix_only
def test_ancestors_others_can_write_without_sticky_bit_are_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    with pytest.raises(UnsafePathError, match=r"the folder above it, .*shared, is writable by others"):
        private_dir(shared / "state", ancestors=True)
    os.chmod(shared, 0o1777)  # like /tmp: others cannot rename what we own there
    private_dir(shared / "state2", ancestors=True)
