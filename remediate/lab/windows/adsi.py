"""ADSI through System.DirectoryServices, as PowerShell 2.0 sees it: DirectoryEntry and its property cache.

.NET types (learn.microsoft.com/dotnet/api/system.directoryservices.directoryentry, .propertyvaluecollection,
.propertycollection, .directoryentries) over an ADSI provider object (`adsi_ldap` for `LDAP://`, `adsi_iis` for
`IIS://`). As in .NET, constructing an entry does not bind it: the first use of its property cache, its children or
a native method binds, and a path that names nothing fails there with the provider's COMException
(0x80072030 "There is no such object on the server." for LDAP, 0x80070003 for IIS, 0x80005000 for a path the
provider cannot parse). `DirectoryEntry.Exists` answers False for exactly the codes .NET's documentation lists as
"not found" (0x80072030, 0x80070003, 0x800708AC) and lets every other error through.

PowerShell's DirectoryEntryAdapter (PowerShell's src/System.Management.Automation/engine/DirectoryEntryAdapter.cs):
a method that is not a .NET member of DirectoryEntry is the native ADSI object's (IADs `Get`, `Put`, `PutEx`,
`GetEx`, `SetInfo`, `GetInfo`; IIS's `GetDataPaths`), called with `DirectoryEntry.Invoke`, whose result it returns
as is: a native method that returns nothing gives `$null`, not AutomationNull, so `$entry.Put('x', 1)` as a
statement writes one `$null` to the pipeline (the agent's defect 8). Those methods therefore return `None` here.
A native method's failure reaches the script as a MethodInvocationException whose InnerException is the
COMException (BaseMethodInvoke unwraps DirectoryEntry.Invoke's TargetInvocationException): the methods raise the
COMException and the interpreter wraps it. Reading a directory attribute as a PowerShell property
(`$entry.cn`) is the adapter's too, and not modelled: use `.Properties`.

The property cache (IADs, learn.microsoft.com/windows/win32/adsi/property-cache): loaded from the object on first
use (GetInfo), changed by `Put`/`PutEx` and by PropertyValueCollection edits (each edit replaces the whole value
list, PutEx ADS_PROPERTY_UPDATE, or clears it, ADS_PROPERTY_CLEAR), written by `SetInfo`/`CommitChanges` in one
batch; `RefreshCache` reloads it and drops what was not committed.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from remediate.lab.windows import clr
from remediate.lab.windows.refusal import NotModeled

# IADs PutEx control codes (ADS_PROPERTY_OPERATION_ENUM).
ADS_PROPERTY_CLEAR, ADS_PROPERTY_UPDATE, ADS_PROPERTY_APPEND, ADS_PROPERTY_DELETE = 1, 2, 3, 4

DirectoryServicesCOMException = clr.exception_type(
    "System.DirectoryServices.DirectoryServicesCOMException", clr.COMException)

# HRESULTs and the text .NET gives them (FormatMessage; ADSI's own codes have no system text, hence "Unknown error").
E_ADS_BAD_PATHNAME = (0x80005000, "Unknown error (0x80005000)")
E_ADS_PROPERTY_NOT_FOUND = (0x8000500D, "The directory property cannot be found in the cache.\r\n")
E_ACCESSDENIED = (0x80070005, "Access is denied.\r\n")
ERROR_PATH_NOT_FOUND = (0x80070003, "The system cannot find the path specified.\r\n")
ERROR_DS_NO_SUCH_OBJECT = (0x80072030, "There is no such object on the server.\r\n")
ERROR_DS_SERVER_DOWN = (0x8007203A, "The server is not operational.\r\n")
ERROR_DS_NO_ATTRIBUTE_OR_VALUE = (0x8007200A, "The specified directory service attribute or value does not exist.\r\n")
ERROR_DS_CONSTRAINT_VIOLATION = (0x8007202F, "A constraint violation occurred.\r\n")
DISP_E_TYPEMISMATCH = (0x80020005, "Type mismatch. (Exception from HRESULT: 0x80020005 (DISP_E_TYPEMISMATCH))")
NOT_FOUND_CODES = {0x80072030, 0x80070003, 0x800708AC}  # DirectoryEntry.Exists: "does not exist", not an error


def ads_error(code: tuple[int, str], ds: bool = False) -> clr.DotNetException:
    """The COMException .NET raises for an ADSI HRESULT; directory (LDAP) errors are DirectoryServicesCOMException."""
    return clr.com_error(code[0], code[1], DirectoryServicesCOMException if ds else None)


class AdsObject(Protocol):
    """One object of an ADSI provider (what DirectoryEntry binds to). Values are lists of .NET values."""

    path: str  # the ADsPath it was bound with
    name: str  # IADs.Name: the RDN ("CN=1") or the IIS key name ("1")
    schema_class: str  # IADs.Class

    def parent_path(self) -> str: ...
    def load(self) -> dict[str, tuple[str, list[Any]]]: ...  # casefolded name -> (spelling, values)
    def commit(self, changes: list[tuple[int, str, list[Any]]]) -> None: ...  # PutEx batches, in order
    def get(self, name: str, cache: dict[str, tuple[str, list[Any]]]) -> list[Any]: ...  # IADs.Get's values
    def children(self) -> list[str]: ...  # ADsPaths
    def invoke(self, method: str, args: tuple[Any, ...]) -> Any: ...  # other native methods


# Provider name (casefolded, "ldap:") -> bind(machine, path) -> AdsObject, raising the COMException ADSI gives.
PROVIDERS: dict[str, Any] = {}


def bind(machine: Any, path: str) -> AdsObject:
    provider = path.split("//", 1)[0].casefold() if "//" in path else ""
    binder = PROVIDERS.get(provider)
    if binder is None:
        raise NotModeled(f"ADSI provider of path '{path}'", "the lab models LDAP:// and IIS://")
    return binder(machine, path)


@clr.register
class DirectoryEntry(clr.DotNetObject):
    """System.DirectoryServices.DirectoryEntry with PowerShell's adapter (see the module docstring)."""

    TYPE_NAME: ClassVar[str] = "System.DirectoryServices.DirectoryEntry"

    def __init__(self, machine: Any, path: str, bound: AdsObject | None = None) -> None:
        self._machine = machine
        self._path = path
        self._object = bound
        self._cache: dict[str, tuple[str, list[Any]]] | None = None
        # One pending operation per property, the last one given (ADSI's cache holds one per property).
        self._pending: dict[str, tuple[int, str, list[Any]]] = {}
        self._use_cache = True

    @classmethod
    def new(cls, rt: Any, *args: Any) -> DirectoryEntry:
        if len(args) not in (1, 3, 4):
            # DirectoryEntry() binds to the domain of the logged-on user: no path to bind to in the lab's model.
            raise NotModeled(f"DirectoryEntry constructor with {len(args)} arguments", "give an ADsPath")
        return cls(rt.machine, clr.to_str(args[0]))  # user name and password: the lab checks no credentials

    # ---- binding and the property cache ------------------------------------------------------------------

    def _bound(self) -> AdsObject:
        if self._object is None:
            self._object = bind(self._machine, self._path)
        return self._object

    def _values(self) -> dict[str, tuple[str, list[Any]]]:
        if self._cache is None:
            self._cache = self._bound().load()
        return self._cache

    def _change(self, control: int, name: str, values: list[Any]) -> None:
        """PutEx into the cache; written by SetInfo (or at once when UsePropertyCache is off)."""
        cache = self._values()
        spelling = cache.get(name.casefold(), (name, []))[0]
        if control == ADS_PROPERTY_CLEAR:
            cache.pop(name.casefold(), None)
        elif control == ADS_PROPERTY_UPDATE:
            cache[name.casefold()] = (spelling, list(values))
        else:
            raise NotModeled(f"ADSI PutEx control code {control}", "the lab models 1 (clear) and 2 (update)")
        self._pending.pop(name.casefold(), None)
        self._pending[name.casefold()] = (control, spelling, list(values))
        if not self._use_cache:
            self.CommitChanges()

    # ---- .NET members ------------------------------------------------------------------------------------

    @property
    def UsePropertyCache(self) -> bool:  # noqa: N802 - .NET names
        return self._use_cache

    @UsePropertyCache.setter
    def UsePropertyCache(self, value: Any) -> None:  # noqa: N802
        self._use_cache = clr.to_bool(value)

    @property
    def Path(self) -> str:  # noqa: N802
        return self._path

    @property
    def Name(self) -> str:  # noqa: N802
        return self._bound().name

    @property
    def SchemaClassName(self) -> str:  # noqa: N802
        return self._bound().schema_class

    @property
    def Parent(self) -> DirectoryEntry:  # noqa: N802
        return DirectoryEntry(self._machine, self._bound().parent_path())

    @property
    def Properties(self) -> PropertyCollection:  # noqa: N802
        self._values()
        return PropertyCollection(self)

    @property
    def Children(self) -> DirectoryEntries:  # noqa: N802
        return DirectoryEntries(self)

    def CommitChanges(self) -> Any:  # noqa: N802
        """Writes the cached changes (IADs::SetInfo)."""
        if self._pending:
            pending, self._pending = list(self._pending.values()), {}
            try:
                self._bound().commit(pending)
            finally:
                self._cache = None  # what the object holds now is read again on next use
        return clr.VOID

    def RefreshCache(self, names: Any = None) -> Any:  # noqa: N802
        """Reloads the cache from the object (IADs::GetInfo / GetInfoEx): uncommitted changes are lost."""
        self._pending = {}
        self._cache = self._bound().load()
        return clr.VOID

    def Invoke(self, method: Any, *args: Any) -> Any:  # noqa: N802
        """DirectoryEntry.Invoke: a native method by name; its result as is (None for a method without one)."""
        name = clr.to_str(method)
        native = _NATIVE.get(name.casefold())
        if native is not None:
            return getattr(self, native)(*_flatten(args))
        return self._bound().invoke(name, tuple(_flatten(args)))

    def InvokeGet(self, name: Any) -> Any:  # noqa: N802
        return self.Get(name)

    def InvokeSet(self, name: Any, *args: Any) -> Any:  # noqa: N802
        values = _flatten(args)
        self._change(ADS_PROPERTY_UPDATE, clr.to_str(name), values)
        return clr.VOID

    def Close(self) -> Any:  # noqa: N802
        return clr.VOID

    def Dispose(self) -> Any:  # noqa: N802
        return clr.VOID

    def ToString(self) -> str:  # noqa: N802
        return self.TYPE_NAME

    @clr.static
    def Exists(rt: Any, path: Any) -> bool:  # noqa: N802
        try:
            bind(rt.machine, clr.to_str(path))
        except clr.COMException as error:
            if (error.ErrorCode & 0xFFFFFFFF) in NOT_FOUND_CODES:  # type: ignore[attr-defined]
                return False
            raise
        return True

    # ---- native IADs methods, through PowerShell's adapter (results as DirectoryEntry.Invoke returns them) -

    def Get(self, name: Any) -> Any:  # noqa: N802
        """IADs::Get: one value as is, several as an object[]; E_ADS_PROPERTY_NOT_FOUND when there is none."""
        values = self._bound().get(clr.to_str(name), self._values())
        if not values:
            raise ads_error(E_ADS_PROPERTY_NOT_FOUND)
        return values[0] if len(values) == 1 else list(values)

    def GetEx(self, name: Any) -> Any:  # noqa: N802
        values = self._bound().get(clr.to_str(name), self._values())
        if not values:
            raise ads_error(E_ADS_PROPERTY_NOT_FOUND)
        return list(values)

    def Put(self, name: Any, value: Any) -> None:  # noqa: N802
        self._change(ADS_PROPERTY_UPDATE, clr.to_str(name), _flatten((value,)))
        return None

    def PutEx(self, control: Any, name: Any, value: Any) -> None:  # noqa: N802
        code = clr.to_int(control)
        self._change(code, clr.to_str(name), [] if code == ADS_PROPERTY_CLEAR else _flatten((value,)))
        return None

    def SetInfo(self) -> None:  # noqa: N802
        self.CommitChanges()
        return None

    def GetInfo(self) -> None:  # noqa: N802
        self.RefreshCache()
        return None

    def GetDataPaths(self, name: Any, attributes: Any) -> Any:  # noqa: N802
        """IIS only (IIsObject.GetDataPaths); other providers have no such method."""
        return self._bound().invoke("GetDataPaths", (name, attributes))


# Native method names DirectoryEntry.Invoke routes to the members above.
_NATIVE = {name.casefold(): name for name in ("Get", "GetEx", "Put", "PutEx", "SetInfo", "GetInfo", "GetDataPaths")}


def _flatten(args: tuple[Any, ...]) -> list[Any]:
    """Method arguments as ADSI gets them: an array argument is its elements (a VARIANT array)."""
    out: list[Any] = []
    for arg in args:
        if isinstance(arg, list):
            out.extend(arg)
        elif arg is not None and arg is not clr.VOID:
            out.append(arg)
    return out


@clr.register
class PropertyCollection(clr.DotNetObject):
    """System.DirectoryServices.PropertyCollection: `entry.Properties[name]` is never null (an attribute that is
    not set gives an empty collection, as .NET documents). An IDictionary: PowerShell does not enumerate it in a
    pipeline or foreach, so it has no `__iter__`."""

    TYPE_NAME: ClassVar[str] = "System.DirectoryServices.PropertyCollection"

    def __init__(self, entry: DirectoryEntry) -> None:
        self._entry = entry

    def __getitem__(self, name: Any) -> PropertyValueCollection:
        return PropertyValueCollection(self._entry, clr.to_str(name))

    @property
    def Count(self) -> int:  # noqa: N802
        return len(self._entry._values())

    @property
    def PropertyNames(self) -> list[str]:  # noqa: N802
        return [spelling for spelling, _ in self._entry._values().values()]

    def Contains(self, name: Any) -> bool:  # noqa: N802
        return clr.to_str(name).casefold() in self._entry._values()


@clr.register
class PropertyValueCollection(clr.DotNetObject):
    """System.DirectoryServices.PropertyValueCollection: the values of one attribute in the entry's cache.

    `Value` is null for none, the value for one, an object[] for several; setting it to null clears the attribute,
    to an array replaces the values by its elements. Every edit goes to the cache (committed by CommitChanges)."""

    TYPE_NAME: ClassVar[str] = "System.DirectoryServices.PropertyValueCollection"

    def __init__(self, entry: DirectoryEntry, name: str) -> None:
        self._entry = entry
        self._name = name

    def _list(self) -> list[Any]:
        return list(self._entry._values().get(self._name.casefold(), (self._name, []))[1])

    def _store(self, values: list[Any]) -> None:
        if values:
            self._entry._change(ADS_PROPERTY_UPDATE, self._name, values)
        else:
            self._entry._change(ADS_PROPERTY_CLEAR, self._name, [])

    @property
    def PropertyName(self) -> str:  # noqa: N802
        return self._name

    @property
    def Value(self) -> Any:  # noqa: N802
        values = self._list()
        if not values:
            return None
        return values[0] if len(values) == 1 else list(values)

    @Value.setter
    def Value(self, value: Any) -> None:  # noqa: N802
        self._store([] if value is None else _flatten((value,)))

    @property
    def Count(self) -> int:  # noqa: N802
        return len(self._list())

    def __getitem__(self, index: Any) -> Any:
        values = self._list()
        number = clr.to_int(index)
        if not 0 <= number < len(values):
            raise clr.ArgumentOutOfRangeException("Index was out of range. Must be non-negative and less than the "
                                                  "size of the collection.\r\nParameter name: index")
        return values[number]

    def __iter__(self) -> Any:
        return iter(self._list())

    def Add(self, value: Any) -> int:  # noqa: N802
        if value is None:
            raise clr.ArgumentNullException("Value cannot be null.\r\nParameter name: value")
        values = self._list()
        self._store([*values, value])
        return len(values)

    def AddRange(self, values: Any) -> Any:  # noqa: N802
        self._store([*self._list(), *_flatten((values,))])
        return clr.VOID

    def Remove(self, value: Any) -> Any:  # noqa: N802
        values = self._list()
        if value in values:
            values.remove(value)
            self._store(values)
        return clr.VOID

    def Clear(self) -> Any:  # noqa: N802
        self._store([])
        return clr.VOID

    def Contains(self, value: Any) -> bool:  # noqa: N802
        return value in self._list()

    def IndexOf(self, value: Any) -> int:  # noqa: N802
        values = self._list()
        return values.index(value) if value in values else -1

    def ToString(self) -> str:  # noqa: N802
        return self.TYPE_NAME


@clr.register
class DirectoryEntries(clr.DotNetObject):
    """System.DirectoryServices.DirectoryEntries: the children of an entry (enumerable, `Find`)."""

    TYPE_NAME: ClassVar[str] = "System.DirectoryServices.DirectoryEntries"

    def __init__(self, parent: DirectoryEntry) -> None:
        self._parent = parent

    def __iter__(self) -> Any:
        machine = self._parent._machine
        return iter([DirectoryEntry(machine, path) for path in self._parent._bound().children()])

    def Find(self, name: Any, schema_class: Any = None) -> DirectoryEntry:  # noqa: N802
        wanted = clr.to_str(name).casefold()
        for child in self:
            bound = child._bound()
            if bound.name.casefold() == wanted and (
                    schema_class is None or bound.schema_class.casefold() == clr.to_str(schema_class).casefold()):
                return child
        raise ads_error(ERROR_DS_NO_SUCH_OBJECT, ds=self._parent.Path.upper().startswith("LDAP:"))
