"""System.DirectoryServices.DirectorySearcher and its results, over the lab's LDAP directory (adsi_ldap).

learn.microsoft.com/dotnet/api/system.directoryservices.directorysearcher: `SearchRoot` (a DirectoryEntry; null
searches the domain the computer belongs to), `Filter` (RFC 4515; default `(objectClass=*)`), `SearchScope`
(Subtree by default), `PropertiesToLoad` (empty: every attribute), `FindOne()` (null when nothing matches),
`FindAll()` (a SearchResultCollection: `Count`, indexer, enumerable). A filter that does not parse is the
ArgumentException "The (filter) search filter is invalid." (.NET's DSInvalidSearchFilter text) raised by
FindAll/FindOne. Only the LDAP provider searches: another SearchRoot is NotSupportedException.

A SearchResult (…/searchresult) has `Path` (the object's ADsPath, with the SearchRoot's server if it named one),
`Properties` (a ResultPropertyCollection whose keys are the attribute names in lower case, as .NET stores them,
always with "adspath"; an indexer on a name that was not returned gives an empty collection) and
`GetDirectoryEntry()`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from remediate.lab.windows import adsi, adsi_ldap, clr, ldap_filter

InvalidEnumArgumentException = clr.TYPES.get("system.componentmodel.invalidenumargumentexception") or \
    clr.exception_type("System.ComponentModel.InvalidEnumArgumentException", clr.ArgumentException)
SearchScope = clr.register(clr.EnumType("System.DirectoryServices.SearchScope",
                                        {"Base": 0, "OneLevel": 1, "Subtree": 2}))


@clr.register
class StringCollection(clr.DotNetObject):
    """System.Collections.Specialized.StringCollection (PropertiesToLoad's type): Add returns the index."""

    TYPE_NAME: ClassVar[str] = "System.Collections.Specialized.StringCollection"

    def __init__(self) -> None:
        self._items: list[str | None] = []

    @classmethod
    def new(cls, rt: Any) -> StringCollection:
        return cls()

    def __iter__(self) -> Any:
        return iter(list(self._items))

    def __getitem__(self, index: Any) -> Any:
        return self._items[clr.to_int(index)]

    @property
    def Count(self) -> int:  # noqa: N802
        return len(self._items)

    def Add(self, value: Any) -> int:  # noqa: N802
        self._items.append(None if value is None else clr.to_str(value))
        return len(self._items) - 1

    def AddRange(self, values: Any) -> Any:  # noqa: N802
        if values is None:
            raise clr.ArgumentNullException("Value cannot be null.\r\nParameter name: value")
        for value in values:
            self.Add(value)
        return clr.VOID

    def Clear(self) -> Any:  # noqa: N802
        self._items.clear()
        return clr.VOID

    def Contains(self, value: Any) -> bool:  # noqa: N802
        return value in self._items


@clr.register
class DirectorySearcher(clr.DotNetObject):
    TYPE_NAME: ClassVar[str] = "System.DirectoryServices.DirectorySearcher"

    def __init__(self, machine: Any) -> None:
        self._machine = machine
        self._root_entry: adsi.DirectoryEntry | None = None
        self._filter = "(objectClass=*)"
        self._scope = SearchScope.member("Subtree")
        self._properties = StringCollection()
        self._page_size = 0
        self._size_limit = 0

    @classmethod
    def new(cls, rt: Any, *args: Any) -> DirectorySearcher:
        """(), (filter), (searchRoot), (searchRoot, filter), (filter, propertiesToLoad), (searchRoot, filter,
        propertiesToLoad), ... as the .NET overloads take them."""
        searcher = cls(rt.machine)
        rest = list(args)
        if rest and isinstance(rest[0], adsi.DirectoryEntry):
            searcher.SearchRoot = rest.pop(0)
        if rest:
            searcher.Filter = rest.pop(0)
        if rest:
            if rest[0] is not None:
                searcher.PropertiesToLoad.AddRange(rest[0])
            rest.pop(0)
        if rest:
            searcher.SearchScope = rest.pop(0)
        if rest:
            raise TypeError("no DirectorySearcher constructor takes these arguments")
        return searcher

    @property
    def SearchRoot(self) -> adsi.DirectoryEntry | None:  # noqa: N802
        return self._root_entry

    @SearchRoot.setter
    def SearchRoot(self, value: Any) -> None:  # noqa: N802
        if value is not None and not isinstance(value, adsi.DirectoryEntry):
            raise clr.ArgumentException("SearchRoot must be a DirectoryEntry")  # PowerShell's cast fails first
        self._root_entry = value

    @property
    def PropertiesToLoad(self) -> StringCollection:  # noqa: N802
        return self._properties

    @property
    def PageSize(self) -> int:  # noqa: N802
        return self._page_size

    @PageSize.setter
    def PageSize(self, value: Any) -> None:  # noqa: N802
        number = clr.to_int(value)
        if number < 0:
            raise clr.ArgumentException("The PageSize value must be non-negative.")
        self._page_size = number  # paging changes how results arrive, not which: the lab returns them at once

    @property
    def SizeLimit(self) -> int:  # noqa: N802
        return self._size_limit

    @SizeLimit.setter
    def SizeLimit(self, value: Any) -> None:  # noqa: N802
        number = clr.to_int(value)
        if number < 0:
            raise clr.ArgumentException("The SizeLimit value must be non-negative.")
        self._size_limit = number

    @property
    def Filter(self) -> str:  # noqa: N802
        return self._filter

    @Filter.setter
    def Filter(self, value: Any) -> None:  # noqa: N802
        # .NET: a null or empty filter is the default one.
        text = clr.to_str(value)
        self._filter = text if text else "(objectClass=*)"

    @property
    def SearchScope(self) -> clr.EnumValue:  # noqa: N802
        return self._scope

    @SearchScope.setter
    def SearchScope(self, value: Any) -> None:  # noqa: N802
        if isinstance(value, clr.EnumValue):
            member = SearchScope.from_value(value.value)
        elif isinstance(value, str):
            member = SearchScope.member(value)
        else:
            member = SearchScope.from_value(clr.to_int(value))
        if member is None or member.name not in SearchScope.members:
            raise InvalidEnumArgumentException("The value of argument 'value' ({}) is invalid for Enum type "
                                               "'SearchScope'.\r\nParameter name: value".format(clr.to_str(value)))
        self._scope = member

    def _root(self) -> adsi_ldap.LdapObject:
        if self._root_entry is None:
            domain = self._machine.directory.layout["domain"]
            self._root_entry = adsi.DirectoryEntry(self._machine, f"LDAP://{domain}")
        bound = self._root_entry._bound()
        if not isinstance(bound, adsi_ldap.LdapObject):
            raise clr.NotSupportedException(f"The provider does not support searching and cannot search "
                                            f"{self._root_entry.Path}.")
        return bound

    def FindAll(self) -> SearchResultCollection:  # noqa: N802
        root = self._root()
        matcher = ldap_filter.parse(self._filter)
        if matcher is None:
            raise clr.ArgumentException(f"The ({self._filter}) search filter is invalid.")
        wanted = [name.casefold() for name in self.PropertiesToLoad if name]
        results = []
        for node in root.subtree(self._scope.name):
            attrs = adsi_ldap.attributes(self._machine, node)
            if not matcher({name.casefold(): values for name, values in attrs.items()}):
                continue
            path = root.ads_path(node.dn)
            loaded = {name.casefold(): list(values) for name, values in attrs.items()
                      if not wanted or name.casefold() in wanted}
            loaded["adspath"] = [path]
            results.append(SearchResult(self._machine, path, loaded))
            if self._size_limit and len(results) >= self._size_limit:
                break
        return SearchResultCollection(results)

    def FindOne(self) -> SearchResult | None:  # noqa: N802
        found = self.FindAll()
        return found[0] if found.Count else None

    def Dispose(self) -> Any:  # noqa: N802
        return clr.VOID


@clr.register
class SearchResultCollection(clr.DotNetObject):
    TYPE_NAME: ClassVar[str] = "System.DirectoryServices.SearchResultCollection"

    def __init__(self, results: list[SearchResult]) -> None:
        self._results = results

    @property
    def Count(self) -> int:  # noqa: N802
        return len(self._results)

    def __getitem__(self, index: Any) -> SearchResult:
        number = clr.to_int(index)
        if not 0 <= number < len(self._results):
            raise clr.ArgumentOutOfRangeException("Index was out of range. Must be non-negative and less than the "
                                                  "size of the collection.\r\nParameter name: index")
        return self._results[number]

    def __iter__(self) -> Any:
        return iter(list(self._results))

    def Dispose(self) -> Any:  # noqa: N802
        return clr.VOID


@clr.register
class SearchResult(clr.DotNetObject):
    TYPE_NAME: ClassVar[str] = "System.DirectoryServices.SearchResult"

    def __init__(self, machine: Any, path: str, properties: dict[str, list[Any]]) -> None:
        self._machine = machine
        self._path = path
        self._properties = ResultPropertyCollection(properties)

    @property
    def Path(self) -> str:  # noqa: N802
        return self._path

    @property
    def Properties(self) -> ResultPropertyCollection:  # noqa: N802
        return self._properties

    def GetDirectoryEntry(self) -> adsi.DirectoryEntry:  # noqa: N802
        return adsi.DirectoryEntry(self._machine, self._path)


@clr.register
class ResultPropertyCollection(clr.DotNetObject):
    TYPE_NAME: ClassVar[str] = "System.DirectoryServices.ResultPropertyCollection"

    def __init__(self, properties: dict[str, list[Any]]) -> None:
        self._properties = properties  # lower-case names

    def __getitem__(self, name: Any) -> ResultPropertyValueCollection:
        return ResultPropertyValueCollection(self._properties.get(clr.to_str(name).casefold(), []))

    @property
    def PropertyNames(self) -> list[str]:  # noqa: N802
        return list(self._properties)

    @property
    def Count(self) -> int:  # noqa: N802
        return len(self._properties)

    def Contains(self, name: Any) -> bool:  # noqa: N802
        return clr.to_str(name).casefold() in self._properties


@clr.register
class ResultPropertyValueCollection(clr.DotNetObject):
    TYPE_NAME: ClassVar[str] = "System.DirectoryServices.ResultPropertyValueCollection"

    def __init__(self, values: list[Any]) -> None:
        self._values = list(values)

    @property
    def Count(self) -> int:  # noqa: N802
        return len(self._values)

    def __getitem__(self, index: Any) -> Any:
        number = clr.to_int(index)
        if not 0 <= number < len(self._values):
            raise clr.ArgumentOutOfRangeException("Index was out of range. Must be non-negative and less than the "
                                                  "size of the collection.\r\nParameter name: index")
        return self._values[number]

    def __iter__(self) -> Any:
        return iter(list(self._values))

    def Contains(self, value: Any) -> bool:  # noqa: N802
        return value in self._values
