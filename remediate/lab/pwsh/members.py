"""Member access, method calls and indexing through the clr value model (lang-spec 7.1.2-7.1.4, about_Properties,
about_Methods).

- DotNetObject members come from the Python class: properties, public methods, class-level constants, plus public
  instance attributes (an exception's `Message`); names match case-insensitively. Statics are `@static` /
  `@static_property` functions, enum members come from the EnumType.
- Builtins (str, list, int, Hashtable, ...) get their .NET members from `clr.ADAPTERS[type]`: a method is called
  with the value first; a `property` there is read with `fget(value)`.
- PowerShell's own members: `$hashtable.key` reads the key (keys win over properties); `.Count`/`.Length` of an
  array or collection; on a scalar they exist only from 3.0 (`5.Count` is 1, `$null.Count` 0); `GetType()`.
- A .NET exception thrown by a method becomes MethodInvocationException ("Exception calling ..."), with the
  original as InnerException; a wrong argument count is MethodException ("Cannot find an overload ...").
- Strict mode 2: a property that does not exist is an error (PropertyNotFoundStrict); without it, $null.
"""

from __future__ import annotations

from typing import Any

from remediate.lab.pwsh import member_table, objects
from remediate.lab.pwsh.member_table import framework as _framework, member_map
from remediate.lab.pwsh.ops_bridge import value_type_name
from remediate.lab.windows import clr, psexceptions
from remediate.lab.windows.psexceptions import MethodException, MethodInvocationException, RuntimeException

VOID = clr.VOID


def _strict_missing(value: Any, name: str, rt: Any) -> Any:
    if rt.strict() >= 2:
        if rt.ps_version < 3:
            message = f"Property '{name}' cannot be found on this object. Make sure that it exists."
        else:
            message = f"The property '{name}' cannot be found on this object. Verify that the property exists."
        raise RuntimeException(message, error_id="PropertyNotFoundStrict")
    return None


def _wrap_call(call: Any, name: str, args: list, what: str = "calling", lead: tuple = ()) -> Any:
    """Calls `call(*lead, *args)` directly (so that a TypeError raised by the call itself, an argument count the
    method does not take, is told apart from one raised inside it)."""
    try:
        return clr.to_net(call(*lead, *[clr.from_net(a) for a in args]))
    except clr.DotNetException as error:
        if isinstance(error, MethodException) or isinstance(error, RuntimeException) and \
                getattr(error, "error_id", "") == "PropertyNotFoundStrict":
            raise
        if what == "calling":
            message = f'Exception calling "{name}" with "{len(args)}" argument(s): "{error.Message}"'
        else:
            message = f'Exception {what} "{name}": "{error.Message}"'
        raise MethodInvocationException(message, error, error_id="DotNetMethodException") from None
    except TypeError as error:
        if error.__traceback__ is not None and error.__traceback__.tb_next is None:
            raise MethodException(f'Cannot find an overload for "{name}" and the argument count: "{len(args)}".',
                                  error_id="MethodCountCouldNotFindBest") from None
        raise


def get_member(value: Any, name: str, rt: Any, key: str | None = None) -> Any:
    """`value.name`; `key` is name.casefold() when the caller folded it already (a member name in the script)."""
    if key is None:
        key = name.casefold()
    if isinstance(value, clr.Hashtable):
        found = value.entry(name, key)
        if found is not None:
            return found[1]
    elif type(value) is str and key == "length":
        return len(value)  # String.Length (dotnet_text.StringMembers.Length), the commonest member read
    if value is None or value is VOID:
        if key in ("count", "length") and rt.ps_version >= 3:
            return 0
        return _strict_missing(value, name, rt)
    if isinstance(value, clr.Hashtable):
        if key == "count":
            return len(value)
        if key == "keys":
            return list(value.keys())
        if key == "values":
            return list(value.values())
        adapter = _adapter(value)
        entry = member_table.entry(adapter, key, rt) if adapter is not None else None
        if entry is None:
            # A missing key reads as $null, strict mode or not: the dictionary adapter answers for any name.
            return None
    if isinstance(value, clr.PSCustomObject):
        if name in value.properties:
            return value.properties[name]
        return _strict_missing(value, name, rt)
    if isinstance(value, (clr.DotNetObject, clr.DotNetException)):
        entry = member_table.entry(type(value), key, rt)
        if entry is not None and entry[0] in ("property", "field"):
            return _wrap_call(getattr, name, [], "getting", (value, entry[1]))
        if key == "psbase":  # PowerShell's intrinsic view of the object's own .NET members: the lab's object itself
            return value
        for attribute, item in vars(value).items():
            if attribute.casefold() == key and attribute[:1].isupper() and not member_table.hidden(attribute):
                return item
        if isinstance(value, clr.DotNetException) and key == "errorrecord" and hasattr(value, "error_record"):
            return value.error_record
    elif isinstance(value, clr.EnumValue):
        if key == "value__":
            return value.value
    else:
        adapter = _adapter(value)
        if adapter is not None:
            entry = member_table.entry(adapter, key, rt)
            if entry is not None and entry[0] == "property":
                getter = member_table.static_attr(adapter, entry[1]).fget
                return _wrap_call(getter, name, [], "getting", (value,))
            if entry is not None and entry[0] == "aproperty":
                return _wrap_call(getattr(adapter, entry[1]), name, [], "getting", (value,))
    if key in ("count", "length") and isinstance(value, list):
        return len(value)
    if key == "length" and isinstance(value, str):
        return len(value)
    if key in ("count", "length") and rt.ps_version >= 3:
        return 1
    if isinstance(value, list) and rt.ps_version >= 3:
        # Member enumeration (PowerShell 3.0, about_Member-Access_Enumeration): the elements' values, flattened.
        found: list = []
        for item in value:
            result = get_member(item, name, rt)
            if isinstance(result, list):
                found.extend(result)
            elif result is not None:
                found.append(result)
        return found[0] if len(found) == 1 else found
    return _strict_missing(value, name, rt)


def _adapter(value: Any) -> type | None:
    return member_table.adapter(value)


def set_member(value: Any, name: str, new: Any, rt: Any) -> None:
    if isinstance(value, clr.Hashtable):
        value[name] = new
        return
    if isinstance(value, clr.PSCustomObject) and name in value.properties:
        value.properties[name] = new
        return
    if isinstance(value, (clr.DotNetObject, clr.DotNetException)):
        entry = member_map(type(value)).get(name.casefold())
        if entry is not None and entry[0] == "property":
            prop = member_table.static_attr(type(value), entry[1])
            if prop.fset is not None:
                _wrap_call(setattr, name, [], "setting", (value, entry[1], clr.from_net(new)))
                return
            raise RuntimeException(f"'{name}' is a ReadOnly property.", error_id="PropertyAssignmentException")
    if rt.ps_version < 3:
        message = f"Property '{name}' cannot be found on this object; make sure it exists and is settable."
    else:
        message = f"The property '{name}' cannot be found on this object. Verify that the property exists and " \
                  "can be set."
    raise RuntimeException(message, error_id="PropertyAssignmentException")


def _method_missing(value: Any, name: str, rt: Any, type_name: str | None = None) -> RuntimeException:
    type_name = type_name or value_type_name(value)
    verb = "doesn't" if rt.ps_version < 3 else "does not"
    return RuntimeException(f"Method invocation failed because [{type_name}] {verb} contain a method named "
                            f"'{name}'.", error_id="MethodNotFound")


def invoke_method(value: Any, name: str, args: list, rt: Any, key: str | None = None) -> Any:
    """`value.name(args)`; `key` is name.casefold() when the caller folded it already."""
    if key is None:
        key = name.casefold()
    args = [None if a is VOID else a for a in args]
    if value is None or value is VOID:
        raise RuntimeException("You cannot call a method on a null-valued expression.", error_id="InvokeMethodOnNull")
    if isinstance(value, (clr.DotNetObject, clr.DotNetException)):
        entry = member_table.entry(type(value), key, rt)
        if entry is not None and entry[0] == "method":
            return _wrap_call(getattr(value, entry[1]), name, args)
        if key == "gettype" and not args:
            return objects.TypeLiteral(value.TYPE_NAME, type(value))
    else:
        adapter = _adapter(value)
        if adapter is not None:
            entry = member_table.entry(adapter, key, rt)
            if entry is not None and entry[0] in ("method", "static"):
                return _wrap_call(getattr(adapter, entry[1]), name, args, lead=(value,))
    if key == "gettype" and not args:
        return objects.TypeLiteral(value_type_name(value), clr.TYPES.get(value_type_name(value).casefold()))
    if key == "tostring" and not args:
        to_string = getattr(value, "ToString", None)
        return to_string() if callable(to_string) else clr.to_str(value)
    raise _method_missing(value, name, rt)


# ---- statics -------------------------------------------------------------------------------------------------

def get_static(type_: objects.TypeLiteral, name: str, rt: Any) -> Any:
    impl = type_.impl
    if isinstance(impl, clr.EnumType):
        member = impl.member(name)
        members_on = getattr(impl, "members_on", None)  # a member newer than the host's framework is absent
        if member is not None and (members_on is None or member.name in members_on(_framework(rt))):
            return member
    elif isinstance(impl, type):
        entry = member_table.entry(impl, name.casefold(), rt)
        if entry is not None and entry[0] == "sproperty":
            return _wrap_call(getattr(impl, entry[1]), name, [], "getting", (rt,))
        if entry is not None and entry[0] == "field":
            return getattr(impl, entry[1])
    return _strict_missing(type_, name, rt)


def invoke_static(type_: objects.TypeLiteral, name: str, args: list, rt: Any) -> Any:
    args = [objects.unvoid(a) for a in args]
    impl = type_.impl
    if isinstance(impl, type):
        entry = member_table.entry(impl, name.casefold(), rt)
        if entry is not None and entry[0] == "static":
            return _wrap_call(getattr(impl, entry[1]), name, args, lead=(rt,))
    raise _method_missing(type_, name, rt, type_.name)


def construct(type_name: str, impl: Any, args: list, rt: Any) -> Any:
    """`New-Object T args`: the registered class's `new(rt, *args)`."""
    args = [objects.unvoid(a) for a in args]
    if isinstance(impl, type) and issubclass(impl, clr.DotNetException):
        if len(args) > 2:
            raise MethodException(f"Cannot find an overload for \"{type_name.rsplit('.', 1)[-1]}\" and the "
                                  f"argument count: \"{len(args)}\".", error_id="MethodCountCouldNotFindBest")
        message = clr.to_str(args[0]) if args else None
        return impl(message, args[1] if len(args) > 1 else None)
    new = getattr(impl, "new", None)
    if new is None:
        raise psexceptions.PSArgumentException(
            f"Constructor not found. Cannot find an appropriate constructor for type {type_name}.",
            error_id="CannotFindAppropriateCtor")
    return _wrap_call(new, ".ctor", args, lead=(rt,))


# ---- indexing ------------------------------------------------------------------------------------------------

def _int_index(index: Any, rt: Any) -> int:
    if type(index) is int and -2**31 <= index < 2**31:
        return index  # already an Int32: the conversion below would return it unchanged
    from remediate.lab.pwsh.ops_bridge import convert
    return int(convert(index, "System.Int32", rt))


def get_index(value: Any, index: Any, rt: Any) -> Any:
    """`value[index]` (lang-spec 7.1.4): arrays take negative indexes from the end and give $null out of range;
    an array of indexes gives the array of elements (a slice)."""
    value_type = type(value)
    if (value_type is str or value_type is list) and type(index) is int and -2**31 <= index < 2**31:
        # The commonest case, `$text[$i]` / `$array[$i]` with an Int32, as the general path below answers it
        if -len(value) <= index < len(value):
            return clr.Char(value[index]) if value_type is str else value[index]
        return None
    if value is None or value is VOID:
        raise RuntimeException("Cannot index into a null array.", error_id="NullArray")
    if isinstance(value, clr.Hashtable):
        if isinstance(index, list):
            return [value[k] for k in index]
        return value[index]
    if isinstance(value, (list, str)):
        if isinstance(index, list):
            picked = [get_index(value, i, rt) for i in index]
            return [p for p in picked if p is not None] if isinstance(value, list) else picked
        number = _int_index(index, rt)
        if -len(value) <= number < len(value):
            item = value[number]
            return clr.Char(item) if isinstance(value, str) else item
        return None
    if isinstance(value, clr.DotNetObject) and hasattr(value, "__getitem__"):
        return _wrap_call(type(value).__getitem__, "Item", [index], "getting", (value,))
    if rt.ps_version >= 3:
        return value if _int_index(index, rt) in (0, -1) else None
    raise RuntimeException(f"Unable to index into an object of type {value_type_name(value)}.",
                           error_id="CannotIndex")


def set_index(value: Any, index: Any, new: Any, rt: Any) -> None:
    if value is None or value is VOID:
        raise RuntimeException("Cannot index into a null array.", error_id="NullArray")
    if isinstance(value, clr.Hashtable):
        value[index] = new
        return
    if isinstance(value, list):
        number = _int_index(index, rt)
        if not -len(value) <= number < len(value):
            raise RuntimeException(f"Array assignment to [{number}] failed: Index was outside the bounds of the "
                                   "array.", error_id="IndexOutOfRange")
        if isinstance(value, clr.TypedArray):
            from remediate.lab.pwsh.ops_bridge import convert
            new = convert(new, value.element_type, rt)
        value[number] = new
        return
    if isinstance(value, clr.DotNetObject) and hasattr(value, "__setitem__"):
        _wrap_call(type(value).__setitem__, "Item", [index, new], "setting", (value,))
        return
    raise RuntimeException(f"Unable to index into an object of type {value_type_name(value)}.",
                           error_id="CannotIndex")
