"""A simulated NTFS volume of one host: folders and files with bytes, ACLs, version resources and open handles.

What it models, from Microsoft's documents:

- Names are case-insensitive and keep their first spelling ("Naming Files, Paths, and Namespaces",
  learn.microsoft.com/windows/win32/fileio/naming-a-file); paths here are absolute drive paths (`C:\\A\\B`), one
  `\\` between names, as System.IO hands them over after Path.GetFullPath.
- Sharing: an open asks for access (read, write) and grants sharing (read, write, delete) to later opens; an open
  whose access another handle does not share, or whose sharing does not cover another handle's access, fails with
  a sharing violation ("Creating and Opening Files", learn.microsoft.com/windows/win32/fileio/creating-and-opening-files).
  Deleting a file succeeds only if every open handle shares delete; the file then is delete-pending: it is gone for
  every new open and for Exists, and leaves the folder when its last handle closes (DeleteFile,
  learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-deletefilew).
- ACLs: a file or folder has explicit access rules and, unless its rules are protected, inherits its folder's
  ("Access Control Lists", learn.microsoft.com/windows/win32/secauthz/access-control-lists); a new file, including
  a copy, gets its folder's inheritable rules, not the source's, and an overwritten file keeps its own (Raymond
  Chen, "What does the FOF_NOCOPYSECURITYATTRIBS flag really do", devblogs.microsoft.com/oldnewthing/20101015-00:
  a copy "opened the destination, wrote to it ... picking up the inheritable attributes from the container"):
  what issue 18 defect 9 is about. Rules are strings such as
  `BUILTIN\\Administrators:FullControl`. `deny_write` holds paths (and everything below them) the agent may not
  change: opening them for writing, creating, deleting or replacing there raises AccessDenied.
- A file MAY carry a version resource (`version: '6.5.7638.1'`), what FileVersionInfo reads.

`folders` are the host's known folders (Environment.SpecialFolder names: System, Windows, CommonApplicationData,
ProgramFiles): Windows Server 2003 keeps them under C:\\WINDOWS and C:\\Documents and Settings, later releases under
C:\\Windows and C:\\ProgramData. `load` takes, every key optional:

```yaml
files:
  layout: win2003                    # the known folders of that release (default: a 2008+ layout)
  paths:
    'C:\\Program Files\\Exchsrvr\\bin\\store.exe': {version: 6.5.7638.1}
    'C:\\Data\\a.txt': {text: 'hello'}          # or {hex: '00ff'}; acl: [...], protected: true, read_only: true
    'C:\\Data\\Empty\\': {}                     # a trailing \\ makes a folder
    'C:\\Old.txt': null                        # deleted
  deny_write: ['C:\\Locked']
```

Thread-safe: every public method holds `lock`.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from remediate.lab.state import AccessDenied, InvalidArgument, StateError

LAYOUTS = {
    "win2003": {"Windows": "C:\\WINDOWS", "System": "C:\\WINDOWS\\system32",
                "CommonApplicationData": "C:\\Documents and Settings\\All Users\\Application Data",
                "ProgramFiles": "C:\\Program Files"},
    "modern": {"Windows": "C:\\Windows", "System": "C:\\Windows\\system32",
               "CommonApplicationData": "C:\\ProgramData", "ProgramFiles": "C:\\Program Files"},
}
# What an administrator-installed host's folders allow (lab data in the shape of a default NTFS install).
DEFAULT_ACL = ["NT AUTHORITY\\SYSTEM:FullControl", "BUILTIN\\Administrators:FullControl", "BUILTIN\\Users:ReadAndExecute"]
READ, WRITE, DELETE = 1, 2, 4  # FileAccess Read/Write and FileShare's Delete bit, as flags


class SharingViolation(StateError):
    """ERROR_SHARING_VIOLATION: another open handle does not share what this one asks (or vice versa)."""


class NotFound(StateError):
    """The file (`folder=False`) or a folder on its path (`folder=True`) does not exist."""

    def __init__(self, message: str, folder: bool = False) -> None:
        super().__init__(message)
        self.folder = folder


class Exists(StateError):
    """The file or folder exists where a new one was to be created."""


def split(path: str) -> list[str]:
    """An absolute path's names, the drive first (`C:`); InvalidArgument for what is not one."""
    text = path.replace("/", "\\")
    parts = [p for p in text.split("\\") if p]
    if not parts or len(parts[0]) != 2 or parts[0][1] != ":" or not parts[0][0].isalpha():
        raise InvalidArgument(f"not an absolute drive path: {path!r}")
    if any(p in (".", "..") for p in parts):
        raise InvalidArgument(f"path must be canonical (no . or ..): {path!r}")
    return [parts[0].upper(), *parts[1:]]


def key(parts: Iterable[str]) -> tuple[str, ...]:
    # NTFS compares names through its upcase table: upper-casing is that comparison for the names the lab holds.
    return tuple(p.upper() for p in parts)


@dataclass
class Node:
    names: list[str]  # the spelled path
    folder: bool
    data: bytes = b""
    acl: list[str] = field(default_factory=list)  # explicit rules
    protected: bool = False  # inheritance from the folder disabled
    read_only: bool = False
    version: str | None = None
    delete_pending: bool = False

    @property
    def path(self) -> str:
        return "\\".join(self.names) + ("\\" if len(self.names) == 1 else "")


@dataclass
class Handle:
    """One open handle: what it may do (`access`) and what it lets others do (`share`), as READ/WRITE/DELETE."""

    node: Node
    access: int
    share: int
    closed: bool = False
    written: bool = False


class SimFiles:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.layout = "modern"
        self.deny_write: set[str] = set()
        self.writes = 0
        self._nodes: dict[tuple[str, ...], Node] = {}
        self._handles: list[Handle] = []
        # Test hooks: called with a file's path after a handle that wrote to it was closed (outside the lock).
        self.on_written: list[Callable[[str], None]] = []
        self._root("C:")

    # ---------------------------------------------------------------------------------------------- queries

    def folder(self, name: str) -> str:
        """A known folder (Environment.SpecialFolder name) of this host."""
        return LAYOUTS[self.layout][name]

    def node(self, path: str) -> Node | None:
        with self.lock:
            found = self._nodes.get(key(split(path)))
            return None if found is None or found.delete_pending else found

    def is_file(self, path: str) -> bool:
        found = self.node(path)
        return found is not None and not found.folder

    def is_folder(self, path: str) -> bool:
        found = self.node(path)
        return found is not None and found.folder

    def children(self, path: str) -> list[Node]:
        """The folder's entries in name order (NotFound when it is not a folder)."""
        with self.lock:
            parent = self._folder_node(split(path))
            depth = len(parent.names)
            wanted = key(parent.names)
            return sorted((n for k, n in self._nodes.items() if len(k) == depth + 1 and k[:depth] == wanted
                           and not n.delete_pending), key=lambda n: n.names[-1].upper())

    def effective_acl(self, path: str) -> list[str]:
        """The node's explicit rules, then (unless protected) the rules it inherits from its folders."""
        with self.lock:
            parts = split(path)
            node = self._nodes.get(key(parts))
            if node is None:
                raise NotFound(f"Could not find a part of the path '{path}'.", folder=True)
            rules = list(node.acl)
            while not node.protected and len(parts) > 1:
                parts = parts[:-1]
                node = self._nodes[key(parts)]
                rules += [r for r in node.acl if r not in rules]
            return rules

    def read(self, path: str) -> bytes:
        with self.lock:
            return self._file_node(split(path)).data

    # --------------------------------------------------------------------------------------------- handles

    def open(self, path: str, mode: str, access: int, share: int) -> Handle:
        """CreateFile. `mode`: create_new, create, open, open_or_create, truncate, append (FileMode's)."""
        with self.lock:
            parts = split(path)
            node = self._nodes.get(key(parts))
            if node is not None and node.delete_pending:
                raise AccessDenied(f"Access to the path '{path}' is denied.")
            if node is not None and node.folder:
                raise AccessDenied(f"Access to the path '{path}' is denied.")
            if node is None and mode in ("open", "truncate"):
                self._folder_node(parts[:-1])
                raise NotFound(f"Could not find file '{path}'.")
            if node is not None and mode == "create_new":
                raise Exists(f"The file '{path}' already exists.")
            writing = access & WRITE or mode in ("create", "create_new", "truncate", "append") or node is None
            if writing and (self._denied(parts) or (node is not None and node.read_only and access & WRITE)):
                raise AccessDenied(f"Access to the path '{path}' is denied.")
            if node is not None:
                for other in self._open_handles(node):
                    if (access & ~other.share & (READ | WRITE)) or (other.access & ~share & (READ | WRITE)):
                        raise SharingViolation(f"The process cannot access the file '{path}' because it is being "
                                               "used by another process.")
            if node is None:
                node = self._create(parts, folder=False)
            elif mode in ("create", "truncate"):
                node.data = b""
            handle = Handle(node, access, share)
            self._handles.append(handle)
            return handle

    def close(self, handle: Handle) -> None:
        with self.lock:
            if handle.closed:
                return
            handle.closed = True
            self._handles.remove(handle)
            node = handle.node
            if node.delete_pending and not self._open_handles(node):
                self._nodes.pop(key(node.names), None)
        if handle.written:
            for hook in list(self.on_written):
                hook(node.path)

    def write_handle(self, handle: Handle, data: bytes) -> None:
        with self.lock:
            handle.node.data = data
            handle.written = True
            self.writes += 1

    # ------------------------------------------------------------------------------------------ file ops

    def write(self, path: str, data: bytes) -> None:
        """Create or replace a file's bytes in one step (File.WriteAllBytes): an open for writing, shared by no one."""
        handle = self.open(path, "create", READ | WRITE, 0)
        try:
            self.write_handle(handle, data)
        finally:
            self.close(handle)

    def create_folder(self, path: str) -> None:
        """CreateDirectory for every missing folder on the path; Exists when a file has the name."""
        with self.lock:
            parts = split(path)
            for depth in range(2, len(parts) + 1):
                node = self._nodes.get(key(parts[:depth]))
                if node is not None and not node.folder:
                    raise Exists(f"Cannot create \"{path}\" because a file or directory with the same name already "
                                 "exists.")
                if node is None:
                    if self._denied(parts[:depth]):
                        raise AccessDenied(f"Access to the path '{path}' is denied.")
                    self._create(parts[:depth], folder=True)

    def delete(self, path: str) -> None:
        """DeleteFile: no error for a missing file (File.Delete's rule); a sharing violation while a handle does
        not share delete; delete-pending while handles that share it stay open."""
        with self.lock:
            parts = split(path)
            self._folder_node(parts[:-1])
            node = self._nodes.get(key(parts))
            if node is None or node.delete_pending:
                return
            if node.folder or self._denied(parts) or node.read_only:
                raise AccessDenied(f"Access to the path '{path}' is denied.")
            handles = self._open_handles(node)
            if any(not h.share & DELETE for h in handles):
                raise SharingViolation(f"The process cannot access the file '{path}' because it is being used by "
                                       "another process.")
            self.writes += 1
            if handles:
                node.delete_pending = True
            else:
                del self._nodes[key(parts)]

    def remove_folder(self, path: str, recursive: bool) -> None:
        with self.lock:
            parts = split(path)
            node = self._folder_node(parts)
            inside = [k for k in self._nodes if len(k) > len(parts) and k[:len(parts)] == key(parts)]
            if inside and not recursive:
                raise StateError("The directory is not empty.")
            if self._denied(parts) or any(self._open_handles(self._nodes[k]) for k in inside):
                raise AccessDenied(f"Access to the path '{path}' is denied.")
            for k in [*inside, key(node.names)]:
                self._nodes.pop(k, None)
            self.writes += 1

    def copy(self, source: str, target: str, overwrite: bool) -> None:
        """CopyFile: the bytes and the version resource; the target keeps its own ACL if it existed, else it
        inherits its folder's (the source's rules are not copied)."""
        with self.lock:
            data, version = self.read(source), self._file_node(split(source)).version
            parts = split(target)
            old = self._nodes.get(key(parts))
            if old is not None and not overwrite and not old.delete_pending:
                raise Exists(f"The file '{target}' already exists.")
            handle = self.open(target, "create", WRITE, 0)
            try:
                self.write_handle(handle, data)
                handle.node.version = version
            finally:
                self.close(handle)

    # ----------------------------------------------------------------------------------- scenario/test API

    def load(self, data: dict[str, Any] | None) -> None:
        data = data or {}
        unknown = set(data) - {"layout", "paths", "deny_write"}
        if unknown:
            raise InvalidArgument(f"files: unknown key(s) {sorted(unknown)}; expected layout, paths, deny_write")
        with self.lock:
            if "layout" in data:
                if data["layout"] not in ("win2003", "modern"):
                    raise InvalidArgument("files: layout must be win2003 or modern")
                if data["layout"] != self.layout and any(not n.folder for n in self._nodes.values()):
                    # Files already placed by the old layout's folders would be lost to the domains that own them.
                    raise InvalidArgument("files: the layout is set before any file is placed")
                self.layout = str(data["layout"])
            self.deny_write.update(str(p) for p in data.get("deny_write") or [])
            for path, spec in (data.get("paths") or {}).items():
                self._load_path(str(path), spec)

    def set_acl(self, path: str, rules: list[str], protected: bool) -> None:
        """The node's explicit rules and whether it inherits (FileSystemSecurity's access rules, protection)."""
        with self.lock:
            parts = split(path)
            node = self._nodes.get(key(parts))
            if node is None or node.delete_pending:
                raise NotFound(f"Could not find file '{path}'.")
            if self._denied(parts):
                raise AccessDenied("Attempted to perform an unauthorized operation.")
            node.acl, node.protected = list(rules), protected
            self.writes += 1

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            paths = {}
            for node in sorted(self._nodes.values(), key=lambda n: key(n.names)):
                if len(node.names) == 1 or node.delete_pending:
                    continue
                spec: dict[str, Any] = {}
                if not node.folder:
                    spec["hex"] = node.data.hex()
                for name in ("acl", "protected", "read_only", "version"):
                    if getattr(node, name):
                        spec[name] = copy.deepcopy(getattr(node, name))
                paths[node.path + ("\\" if node.folder else "")] = spec
            return {"layout": self.layout, "paths": paths}

    # ------------------------------------------------------------------------------------------- internals

    def _root(self, drive: str) -> Node:
        node = Node([drive], folder=True, acl=list(DEFAULT_ACL), protected=True)
        self._nodes[key([drive])] = node
        return node

    def _load_path(self, path: str, spec: Any) -> None:
        folder = path.endswith("\\") or path.endswith("/")
        parts = split(path)
        if spec is None:
            for k in [k for k in self._nodes if k[:len(parts)] == key(parts) and len(k) > 1]:
                del self._nodes[k]
            return
        if not isinstance(spec, dict) or set(spec) - {"text", "hex", "acl", "protected", "read_only", "version"}:
            raise InvalidArgument(f"files: {path}: expected text or hex, acl, protected, read_only, version")
        self._create_parents(parts[:-1])
        node = self._nodes.get(key(parts)) or self._create(parts, folder=folder)
        if "text" in spec:
            node.data = str(spec["text"]).encode("utf-8")
        if "hex" in spec:
            node.data = bytes.fromhex(str(spec["hex"]))
        node.acl = [str(r) for r in spec.get("acl", node.acl) or []]
        node.protected = bool(spec.get("protected", node.protected))
        node.read_only = bool(spec.get("read_only", node.read_only))
        node.version = None if spec.get("version", node.version) is None else str(spec.get("version", node.version))

    def _create_parents(self, parts: list[str]) -> None:
        for depth in range(2, len(parts) + 1):
            if key(parts[:depth]) not in self._nodes:
                self._create(parts[:depth], folder=True)

    def _create(self, parts: list[str], folder: bool) -> Node:
        if key(parts[:1]) not in self._nodes:
            self._root(parts[0])
        self._folder_node(parts[:-1])
        node = Node(list(parts), folder=folder)
        self._nodes[key(parts)] = node
        self.writes += 1
        return node

    def _folder_node(self, parts: list[str]) -> Node:
        node = self._nodes.get(key(parts))
        if node is None or not node.folder or node.delete_pending:
            raise NotFound(f"Could not find a part of the path '{chr(92).join(parts)}'.", folder=True)
        return node

    def _file_node(self, parts: list[str]) -> Node:
        node = self._nodes.get(key(parts))
        if node is None or node.delete_pending or node.folder:
            self._folder_node(parts[:-1])
            raise NotFound(f"Could not find file '{chr(92).join(parts)}'.")
        return node

    def _open_handles(self, node: Node) -> list[Handle]:
        return [h for h in self._handles if h.node is node and not h.closed]

    def _denied(self, parts: list[str]) -> bool:
        target = key(parts)
        return any(target[:len(d)] == d for d in (key(split(p)) for p in self.deny_write))


def platform_defaults(platform: str) -> dict[str, Any]:
    """Every host's volume: its known folders. Windows Server 2003 hosts use that release's layout."""
    return {"layout": "win2003" if platform.startswith("win2003") else "modern",
            "paths": {folder + "\\": {} for folder in LAYOUTS["win2003" if platform.startswith("win2003")
                                                              else "modern"].values()}}
