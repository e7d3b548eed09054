""".NET types and static members the agent names, with the .NET Framework version that introduced each.

Source of every entry: its page under learn.microsoft.com/dotnet/api/ (the "Applies to" list; the version given is
the oldest .NET Framework it names, 1.1 standing for "1.1 or earlier"). PowerShell's own types
(System.Management.Automation.*) and type accelerators ([regex], [ref]) are PowerShell 1.0's (about_Type_Accelerators,
the PowerShell SDK reference).
"""

from __future__ import annotations

from remediate.lab.compat.entry import LEARN, Entry, net, ps

_SMA = LEARN + "dotnet/api/system.management.automation."
_ACCEL = LEARN + "powershell/module/microsoft.powershell.core/about/about_type_accelerators"

# Spellings the agent uses -> full type names (PowerShell's accelerators and short names).
ALIASES = {"bool": "System.Boolean", "byte": "System.Byte", "char": "System.Char", "double": "System.Double",
           "int": "System.Int32", "long": "System.Int64", "object": "System.Object", "single": "System.Single",
           "string": "System.String", "uint32": "System.UInt32", "void": "System.Void", "console": "System.Console",
           "regex": "System.Text.RegularExpressions.Regex", "ref": "System.Management.Automation.PSReference"}

_V11 = ["System.Boolean", "System.Byte", "System.Char", "System.Double", "System.Int32", "System.Int64",
        "System.Object", "System.Single", "System.String", "System.UInt32", "System.Void", "System.Console",
        "System.Int16", "System.UInt16", "System.UInt64", "System.SByte", "System.Array", "System.BitConverter",
        "System.Convert", "System.DateTime", "System.Enum", "System.Environment", "System.ArgumentException",
        "System.FormatException", "System.InvalidOperationException", "System.OverflowException",
        "System.UnauthorizedAccessException", "System.Security.SecurityException",
        "System.Collections.ArrayList", "System.Collections.Hashtable", "System.Collections.IDictionary",
        "System.Collections.IEnumerable", "System.Diagnostics.EventLog", "System.Diagnostics.FileVersionInfo",
        "System.DirectoryServices.DirectoryEntry", "System.DirectoryServices.DirectorySearcher",
        "System.Globalization.CultureInfo", "System.Globalization.DateTimeStyles",
        "System.Globalization.NumberStyles", "System.IO.Directory", "System.IO.File", "System.IO.FileAccess",
        "System.IO.FileMode", "System.IO.FileShare", "System.IO.Path", "System.IO.SeekOrigin",
        "System.IO.StreamReader", "System.IO.StreamWriter", "System.Net.Sockets.AddressFamily",
        "System.Net.Sockets.SocketException", "System.Net.Sockets.TcpClient",
        "System.Runtime.InteropServices.COMException", "System.Security.Cryptography.SHA256",
        "System.Text.Encoding", "System.Text.RegularExpressions.Regex", "System.Text.RegularExpressions.RegexOptions",
        "System.Text.StringBuilder", "System.Threading.Thread", "System.Xml.XmlDocument", "System.Xml.XmlException",
        "System.Xml.XmlReader", "Microsoft.Win32.Registry"]
TYPES: dict[str, Entry] = {name.lower(): net("1.1", name) for name in _V11}
TYPES.update({name.lower(): net("2.0", name) for name in [
    "Microsoft.Win32.RegistryValueKind", "Microsoft.Win32.RegistryValueOptions", "System.StringComparer",
    "System.StringComparison", "System.Xml.XmlReaderSettings"]})
TYPES["system.security.cryptography.sha256cryptoserviceprovider"] = net(
    "3.5", "System.Security.Cryptography.SHA256CryptoServiceProvider", note="System.Core.dll")
TYPES.update({f"system.management.automation.{name.lower()}": ps("1.0", _SMA + name.lower()) for name in [
    "ActionPreferenceStopException", "MethodException", "PSInvalidCastException", "PSReference", "RuntimeException"]})

# Static members, keyed by full type name :: member. Default: the type's own version; listed: introduced later.
STATIC_LATER: dict[str, Entry] = {
    "system.io.file::readallbytes": net("2.0", "System.IO.File.ReadAllBytes"),
    "system.io.file::readalltext": net("2.0", "System.IO.File.ReadAllText"),
    "system.io.file::getaccesscontrol": net("2.0", "System.IO.File.GetAccessControl"),
    "system.io.file::setaccesscontrol": net("2.0", "System.IO.File.SetAccessControl"),
    "system.io.fileshare::delete": net("2.0", "System.IO.FileShare"),
    "system.int64::tryparse": net("2.0", "System.Int64.TryParse"),
    "system.datetime::tryparseexact": net("2.0", "System.DateTime.TryParseExact"),
    "system.globalization.datetimestyles::assumeuniversal": net("2.0", "System.Globalization.DateTimeStyles"),
    "system.string::equals": net("2.0", "System.String.Equals", note="the StringComparison overload"),
    "system.xml.xmlreader::create": net("2.0", "System.Xml.XmlReader.Create"),
    "system.net.sockets.addressfamily::internetworkv6": net("1.1", "System.Net.Sockets.AddressFamily"),
}
STATIC_MEMBERS = {
    "system.double": {"isinfinity", "isnan", "parse"}, "system.int64": {"tryparse"}, "system.uint64": {"parse"},
    "system.console": {"out", "error"}, "system.text.regularexpressions.regex": {"match", "replace"},
    "system.string": {"equals"}, "system.array": {"createinstance", "reverse", "sort"},
    "system.bitconverter": {"getbytes", "toint32", "toint64", "tostring", "touint32", "touint64"},
    "system.convert": {"frombase64string", "tobyte", "toint32"},
    "system.datetime": {"minvalue", "now", "tryparseexact", "utcnow"},
    "system.diagnostics.eventlog": {"exists"}, "system.diagnostics.fileversioninfo": {"getversioninfo"},
    "system.directoryservices.directoryentry": {"exists"}, "system.enum": {"getnames", "parse"},
    "system.environment": {"getfolderpath", "osversion"}, "system.globalization.cultureinfo": {"invariantculture"},
    "system.globalization.datetimestyles": {"adjusttouniversal", "assumeuniversal"},
    "system.globalization.numberstyles": {"allowleadingsign", "none"},
    "system.io.directory": {"createdirectory", "exists", "getfiles"},
    "system.io.file": {"copy", "delete", "exists", "getaccesscontrol", "open", "readallbytes", "readalltext",
                       "setaccesscontrol"},
    "system.io.fileaccess": {"readwrite", "read"}, "system.io.filemode": {"createnew", "open"},
    "system.io.fileshare": {"delete", "none", "read"}, "system.io.path": {"combine", "getdirectoryname",
                                                                          "getfilename"},
    "system.io.seekorigin": {"begin"}, "system.net.sockets.addressfamily": {"internetwork", "internetworkv6"},
    "system.security.cryptography.sha256": {"create"}, "system.stringcomparer": {"ordinal", "ordinalignorecase"},
    "system.stringcomparison": {"ordinal", "ordinalignorecase"}, "system.text.encoding": {"ascii", "utf8"},
    "system.text.regularexpressions.regexoptions": {"ignorecase"}, "system.threading.thread": {"sleep"},
    "system.xml.xmlreader": {"create"},
    "microsoft.win32.registry": {"classesroot", "currentconfig", "currentuser", "localmachine", "users"},
    "microsoft.win32.registryvaluekind": {"binary", "dword", "expandstring", "multistring", "qword", "string",
                                          "none", "unknown"},
    "microsoft.win32.registryvalueoptions": {"donotexpandenvironmentnames"},
}


def full_type(spelling: str) -> str:
    text = spelling.strip()
    suffix = ""
    while text.endswith("[]"):
        text, suffix = text[:-2], suffix + "[]"
    return ALIASES.get(text.lower(), text) + suffix


def type_entry(spelling: str) -> Entry | None:
    name = full_type(spelling).lower().removesuffix("[]").removesuffix("[]")
    if spelling.lower() in ("regex", "ref"):
        return ps("1.0", _ACCEL, note=f"accelerator for {full_type(spelling)}") if spelling.lower() == "ref" \
            else TYPES.get(name)
    return TYPES.get(name)


def static_entry(key: str) -> Entry | None:
    """`Type::Member` as the agent spells it."""
    type_text, _, member = key.partition("::")
    name = full_type(type_text).lower()
    if member.lower() not in STATIC_MEMBERS.get(name, set()):
        return None
    return STATIC_LATER.get(f"{name}::{member.lower()}") or TYPES.get(name)
