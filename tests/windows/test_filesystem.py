"""System.IO over the lab volume (remediate/lab/windows/filesystem.py, remediate/lab/state/files.py)."""

from __future__ import annotations

import pytest
from lab_hosts import ctx_for

from remediate.lab.state.metabase import digest, healthy_xml
from remediate.lab.windows import clr
from remediate.lab.windows.directories import Directory, FileInfo
from remediate.lab.windows.file_statics import File
from remediate.lab.windows.filesystem import FileAccess, FileMode, FileShare, FileStream, full_path
from remediate.lab.windows.fileversion import FileVersionInfo, remove_item
from remediate.lab.windows.refusal import NotModeled

INETSRV = "C:\\WINDOWS\\system32\\inetsrv"


def mode(name):
    return FileMode.member(name)


def open_(ctx, path, how, access="ReadWrite", share="None"):
    return File.Open(ctx, path, mode(how), FileAccess.member(access), FileShare.member(share))


def data(value):
    return bytes(int(b) for b in value)


@pytest.mark.parametrize("path, full", [
    ("C:\\A\\B", "C:\\A\\B"), ("c:/a/./b/../c", "c:\\a\\c"), ("C:\\", "C:\\"), ("C:\\A\\", "C:\\A"),
])
def test_full_path(path, full):
    assert full_path(path) == full


@pytest.mark.parametrize("path, error", [
    (None, clr.ArgumentNullException), ("", clr.ArgumentException), ("C:\\a|b", clr.ArgumentException),
    ("relative\\x", NotModeled), ("\\\\server\\share", NotModeled)])
def test_paths_refused(path, error):
    with pytest.raises(error):
        full_path(path)


def test_read_write_exists_and_errors():
    ctx = ctx_for()
    assert File.Exists(ctx, "C:\\Data\\a.txt") is False and File.Exists(ctx, None) is False
    with pytest.raises(clr.DirectoryNotFoundException, match=r"^Could not find a part of the path 'C:\\Data\\a.txt'"):
        File.WriteAllText(ctx, "C:\\Data\\a.txt", "x")
    assert Directory.CreateDirectory(ctx, "C:\\Data\\Sub").FullName == "C:\\Data\\Sub"
    File.WriteAllText(ctx, "C:\\Data\\a.txt", "h\u00e9")
    assert data(File.ReadAllBytes(ctx, "C:\\data\\A.TXT")) == "h\u00e9".encode()
    assert File.ReadAllText(ctx, "C:\\Data\\a.txt") == "h\u00e9"
    File.WriteAllBytes(ctx, "C:\\Data\\bom.txt", clr.TypedArray("System.Byte", list(b"\xef\xbb\xbfok")))
    assert File.ReadAllText(ctx, "C:\\Data\\bom.txt") == "ok"
    with pytest.raises(clr.FileNotFoundException, match=r"^Could not find file 'C:\\Data\\b.txt'.$"):
        File.ReadAllBytes(ctx, "C:\\Data\\b.txt")
    assert Directory.Exists(ctx, "C:\\DATA") and not Directory.Exists(ctx, "C:\\Data\\a.txt")
    assert FileInfo.new(ctx, "C:\\Data\\a.txt").Length == 3


def test_sharing_and_modes():
    ctx = ctx_for()
    Directory.CreateDirectory(ctx, "C:\\L")
    first = open_(ctx, "C:\\L\\x.lock", "CreateNew")
    with pytest.raises(clr.IOException, match="because it is being used by another process"):
        open_(ctx, "C:\\L\\x.lock", "Open", "Read", "ReadWrite")
    with pytest.raises(clr.IOException, match=r"^The file 'C:\\L\\x.lock' already exists.$"):
        open_(ctx, "C:\\L\\x.lock", "CreateNew")
    with pytest.raises(clr.IOException, match="being used by another process"):
        File.Delete(ctx, "C:\\L\\x.lock")
    first.Close()
    with pytest.raises(clr.FileNotFoundException):
        open_(ctx, "C:\\L\\missing", "Open")
    reader = open_(ctx, "C:\\L\\x.lock", "Open", "Read", "Read")
    second = open_(ctx, "C:\\L\\x.lock", "Open", "Read", "Read")  # both share read and only read
    with pytest.raises(clr.IOException):
        open_(ctx, "C:\\L\\x.lock", "Open", "ReadWrite", "ReadWrite")
    reader.Close()
    second.Close()
    with pytest.raises(clr.ArgumentException, match="Append access can be requested only in write-only mode."):
        open_(ctx, "C:\\L\\x.lock", "Append", "ReadWrite")


def test_lock_file_as_the_agent_handles_it():
    """Create with FileShare.None, rewrite in place; release holds FileShare.Delete while deleting."""
    ctx = ctx_for("win2003-ex2003")
    folder = "C:\\Documents and Settings\\All Users\\Application Data\\remediate"
    path = folder + "\\apply.lock"
    Directory.CreateDirectory(ctx, folder)
    stream = open_(ctx, path, "CreateNew")
    stream.Write(clr.TypedArray("System.Byte", list(b"first-long-text")), 0, 15)
    stream.Seek(0, "Begin")
    stream.SetLength(0)
    stream.Write(clr.TypedArray("System.Byte", list(b'{"a":1}')), 0, 7)
    stream.Flush()
    assert stream.Length == 7 and stream.Position == 7
    stream.Close()
    with pytest.raises(clr.ObjectDisposedException):
        stream.Length
    assert ctx.machine.host_lock.content == '{"a":1}'  # the lab's lock state reads the same file
    holder = open_(ctx, path, "Open", "ReadWrite", "Delete")
    buffer = clr.TypedArray("System.Byte", [clr.Byte(0)] * int(holder.Length))
    assert holder.Read(buffer, 0, len(buffer)) == 7 and data(buffer) == b'{"a":1}'
    File.Delete(ctx, path)  # delete-pending while the handle that shares delete stays open
    assert not File.Exists(ctx, path)
    with pytest.raises(clr.UnauthorizedAccessException):
        open_(ctx, path, "CreateNew")
    holder.Close()
    assert ctx.machine.host_lock.content is None
    open_(ctx, path, "CreateNew").Close()


def test_metabase_files_are_files_of_the_volume():
    ctx = ctx_for("win2003-ex2003")
    files = ctx.machine.metabase.files
    assert File.ReadAllText(ctx, INETSRV + "\\MetaBase.xml") == files.current == healthy_xml(12)
    history = list(Directory.GetFiles(ctx, INETSRV + "\\History", "MetaBase_*.xml"))
    assert history == [INETSRV + f"\\History\\MetaBase_00000000{v}_0000000000.xml" for v in (10, 11, 12)]
    File.WriteAllText(ctx, INETSRV + "\\MetaBase.xml", "<broken")
    assert files.current == "<broken"
    File.Copy(ctx, history[0], INETSRV + "\\MetaBase.xml", True)
    assert files.current == healthy_xml(10)


def test_a_copy_inherits_its_folders_acl_not_the_sources():
    """Issue 18 defect 9's case: File.Copy of MetaBase.xml into a new folder under inetsrv."""
    ctx = ctx_for("win2003-ex2003")
    volume = ctx.machine.files
    source = INETSRV + "\\MetaBase.xml"
    assert volume.effective_acl(source) == ["NT AUTHORITY\\SYSTEM:FullControl", "BUILTIN\\Administrators:FullControl"]
    Directory.CreateDirectory(ctx, INETSRV + "\\remediate-backup")
    target = INETSRV + "\\remediate-backup\\MetaBase-x.xml"
    File.Copy(ctx, source, target, False)
    assert "BUILTIN\\Users:ReadAndExecute" in volume.effective_acl(target)
    assert ctx.machine.metabase.files.backups == {"MetaBase-x.xml": healthy_xml(12)}
    with pytest.raises(clr.IOException, match="already exists"):
        File.Copy(ctx, source, target)
    # The fix: give the copy the source's rules, protected.
    File.SetAccessControl(ctx, target, File.GetAccessControl(ctx, source))
    assert volume.effective_acl(target) == volume.effective_acl(source)


def test_get_files_patterns():
    ctx = ctx_for()
    for name in ("MetaBase_1_2.xml", "metabase_3_4.XML", "MetaBase_5_6.xmlx", "MetaBase-a-d1.xml", "other.xml"):
        File.WriteAllText(ctx, "C:\\Windows\\" + name, "x")
    names = [p.rsplit("\\", 1)[1] for p in Directory.GetFiles(ctx, "C:\\Windows", "MetaBase_*.xml")]
    # A three-character extension after * also matches longer extensions (the 8.3 name), as documented.
    assert names == ["MetaBase_1_2.xml", "metabase_3_4.XML", "MetaBase_5_6.xmlx"]
    assert [p.rsplit("\\", 1)[1] for p in Directory.GetFiles(ctx, "C:\\Windows", "MetaBase-*-d1.xml")] == \
        ["MetaBase-a-d1.xml"]
    assert list(Directory.GetDirectories(ctx, "C:\\Windows")) == ["C:\\Windows\\system32"]
    with pytest.raises(clr.DirectoryNotFoundException):
        Directory.GetFiles(ctx, "C:\\Nope")


def test_denied_paths():
    ctx = ctx_for(files={"paths": {"C:\\Locked\\f.txt": {"text": "x"}}, "deny_write": ["C:\\Locked"]})
    assert File.ReadAllText(ctx, "C:\\Locked\\f.txt") == "x"
    for call in (lambda: File.WriteAllText(ctx, "C:\\Locked\\f.txt", "y"), lambda: File.Delete(ctx, "C:\\Locked\\f.txt"),
                 lambda: Directory.CreateDirectory(ctx, "C:\\Locked\\sub")):
        with pytest.raises(clr.UnauthorizedAccessException, match="Access to the path"):
            call()


def test_file_version_info():
    store = "C:\\Program Files\\Exchsrvr\\bin\\store.exe"
    ctx = ctx_for("win2003-ex2003", files={"paths": {store: {"version": "6.5.7638.1"}, "C:\\plain.exe": {}}})
    info = FileVersionInfo.GetVersionInfo(ctx, store)
    assert (info.FileMajorPart, info.FileMinorPart, info.FileBuildPart, info.FilePrivatePart) == (6, 5, 7638, 1)
    assert FileVersionInfo.GetVersionInfo(ctx, "C:\\plain.exe").FileVersion is None
    with pytest.raises(clr.FileNotFoundException, match=r"^C:\\missing.exe$"):
        FileVersionInfo.GetVersionInfo(ctx, "C:\\missing.exe")


def test_remove_item():
    ctx = ctx_for(files={"paths": {"C:\\T\\a.txt": {"text": "x"}, "C:\\T\\Sub\\b.txt": {"text": "y"}}})
    remove_item(ctx, Path=["C:\\T\\a.txt", "C:\\T\\nope.txt"])
    assert not File.Exists(ctx, "C:\\T\\a.txt")
    ((record),) = ctx.errors
    assert (record.error_id, record.category, str(record.exception)) == (
        "PathNotFound", "ObjectNotFound", "Cannot find path 'C:\\T\\nope.txt' because it does not exist.")
    remove_item(ctx, LiteralPath=["C:\\T\\Sub"], Recurse=True)
    assert not Directory.Exists(ctx, "C:\\T\\Sub")
    with pytest.raises(NotModeled):
        remove_item(ctx, Path=["HKLM:\\SOFTWARE\\X"])


def test_file_stream_constructor_defaults_share_read():
    ctx = ctx_for()
    File.WriteAllText(ctx, "C:\\f.txt", "abc")
    stream = FileStream.new(ctx, "C:\\f.txt", "Open", "Read")
    assert data(File.ReadAllBytes(ctx, "C:\\f.txt")) == b"abc"  # FileShare.Read lets a reader in
    with pytest.raises(clr.IOException):
        File.WriteAllText(ctx, "C:\\f.txt", "z")
    stream.Close()


def test_metabase_view_and_digest_agree():
    ctx = ctx_for("win2003-ex2003")
    files = ctx.machine.metabase.files
    name = files.backup(files.current, "20260101T000000Z")
    assert File.Exists(ctx, INETSRV + "\\remediate-backup\\" + name)
    assert name.endswith(digest(healthy_xml(12)) + ".xml")


def test_two_racing_creators_one_wins():
    """FileMode.CreateNew with FileShare.None: of agents racing for the lock file, exactly one creates it."""
    import threading

    ctx = ctx_for()
    Directory.CreateDirectory(ctx, "C:\\ProgramData\\remediate")
    results: list[str] = []
    start = threading.Barrier(8)

    def race() -> None:
        start.wait()
        try:
            stream = open_(ctx, "C:\\ProgramData\\remediate\\apply.lock", "CreateNew")
        except clr.IOException as exc:
            results.append(type(exc).__name__)
        else:
            results.append("created")
            stream.Close()

    threads = [threading.Thread(target=race) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("created") == 1 and len(results) == 8
