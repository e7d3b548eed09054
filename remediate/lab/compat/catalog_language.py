"""PowerShell language features the agent uses (and the later ones it must not use on 2.0 paths), and COM classes.

Sources: the about_ topics of PowerShell-Docs (each names the version that introduced a feature, e.g.
about_Comparison_Operators: "-in and -notin ... introduced in PowerShell 3"; about_Arithmetic_Operators: -shl/-shr
"introduced in PowerShell 3.0"; about_Hash_Tables: [ordered] "Beginning in PowerShell 3.0"; about_Automatic_Variables:
$PSItem "Same as $_ ... PowerShell 3.0"; about_Properties: "Beginning in PowerShell 3.0 ... Count and Length on any
object"; about_Arrays: the ForEach and Where methods, PowerShell 4.0; about_Classes: classes and ::new(), PowerShell
5.0; about_Pipeline_Chain_Operators, about_Operators (ternary, ??): PowerShell 7; about_Try_Catch_Finally,
about_Splatting, about_Split, about_Join, about_Comment_Based_Help (block comments), $PSVersionTable: "What's New
in Windows PowerShell 2.0"); PowerShell 1.0's language (the Windows PowerShell Language Specification 1.0/2.0) for
the rest.
"""

from __future__ import annotations

from remediate.lab.compat.entry import LEARN, Entry, other, ps

_ABOUT = LEARN + "powershell/module/microsoft.powershell.core/about/"
_WHATSNEW2 = LEARN + "previous-versions/windows/it-pro/windows-powershell-1.0/dd367858(v=technet.10)"
_SPEC = LEARN + "powershell/scripting/lang-spec/chapter-01"


def _v1(topic: str) -> Entry:
    return ps("1.0", _ABOUT + topic)


FEATURES: dict[str, Entry] = {
    # PowerShell 1.0's language
    "switch": _v1("about_switch"), "foreach statement": _v1("about_foreach"), "for statement": _v1("about_for"),
    "while statement": _v1("about_while"), "do statement": _v1("about_do"), "throw": _v1("about_throw"),
    "return": _v1("about_return"), "exit": _v1("about_language_keywords"), "break": _v1("about_break"),
    "continue": _v1("about_continue"), "trap": _v1("about_trap"),
    "hashtable literal @{}": _v1("about_hash_tables"), "array subexpression @()": _v1("about_arrays"),
    "subexpression $()": _v1("about_operators"), "script block literal": _v1("about_script_blocks"),
    "here-string": _v1("about_quoting_rules"),
    "member name from a variable ($x.$name)": _v1("about_properties"),
    "operator , (unary)": _v1("about_operators"), "operator - (unary)": _v1("about_arithmetic_operators"),
    "operator -not (unary)": _v1("about_logical_operators"), "operator ! (unary)": _v1("about_logical_operators"),
    "operator -and": _v1("about_logical_operators"), "operator -or": _v1("about_logical_operators"),
    "operator -band": _v1("about_arithmetic_operators"), "operator -bor": _v1("about_arithmetic_operators"),
    "operator -bxor": _v1("about_arithmetic_operators"), "operator -bnot (unary)": _v1("about_arithmetic_operators"),
    "operator -f": _v1("about_operators"), "operator -is": _v1("about_type_operators"),
    "operator -as": _v1("about_type_operators"), "operator -isnot": _v1("about_type_operators"),
    "variable $_": _v1("about_automatic_variables"), "variable $null": _v1("about_automatic_variables"),
    "variable $true": _v1("about_automatic_variables"), "variable $false": _v1("about_automatic_variables"),
    "variable $matches": _v1("about_automatic_variables"), "variable $input": _v1("about_automatic_variables"),
    "variable $args": _v1("about_automatic_variables"), "variable $error": _v1("about_automatic_variables"),
    "variable $lastexitcode": _v1("about_automatic_variables"), "variable $host": _v1("about_automatic_variables"),
    "variable $myinvocation": _v1("about_automatic_variables"), "variable $pshome": _v1("about_automatic_variables"),
    "variable $erroractionpreference": _v1("about_preference_variables"),
    "variable $env:": _v1("about_environment_variables"),
    # PowerShell 2.0
    "try/catch/finally": ps("2.0", _ABOUT + "about_try_catch_finally"),
    "splatting @var": ps("2.0", _ABOUT + "about_splatting"),
    "operator -split": ps("2.0", _ABOUT + "about_split"), "operator -split (unary)": ps("2.0", _ABOUT + "about_split"),
    "operator -join": ps("2.0", _ABOUT + "about_join"), "operator -join (unary)": ps("2.0", _ABOUT + "about_join"),
    "block comment <# #>": ps("2.0", _ABOUT + "about_comments"),
    "variable $psversiontable": ps("2.0", _WHATSNEW2, note="1.0 has no $PSVersionTable"),
    "variable $pscmdlet": ps("2.0", _ABOUT + "about_functions_cmdletbindingattribute"),
    "variable $psboundparameters": ps("2.0", _ABOUT + "about_automatic_variables"),
    "attribute [CmdletBinding()]": ps("2.0", _ABOUT + "about_functions_cmdletbindingattribute"),
    # PowerShell 3.0 and later: not on a 2.0 path
    "operator -in": ps("3.0", _ABOUT + "about_comparison_operators"),
    "operator -notin": ps("3.0", _ABOUT + "about_comparison_operators"),
    "operator -shl": ps("3.0", _ABOUT + "about_arithmetic_operators"),
    "operator -shr": ps("3.0", _ABOUT + "about_arithmetic_operators"),
    "[ordered]": ps("3.0", _ABOUT + "about_hash_tables"),
    "variable $psitem": ps("3.0", _ABOUT + "about_automatic_variables"),
    "variable $psscriptroot": ps("3.0", _ABOUT + "about_automatic_variables", note="2.0: modules only"),
    "variable $pscommandpath": ps("3.0", _ABOUT + "about_automatic_variables"),
    "-ErrorAction Ignore": ps("3.0", _ABOUT + "about_commonparameters"),
    ".Count on a value not proven a collection": ps(
        "3.0", _ABOUT + "about_properties",
        note="review: 2.0 has no .Count on a scalar; the walk could not prove the receiver a collection"),
    ".ForEach() collection method": ps("4.0", _ABOUT + "about_arrays"),
    ".Where() collection method": ps("4.0", _ABOUT + "about_arrays"),
    "::new()": ps("5.0", _ABOUT + "about_classes"),
    "class statement": ps("5.0", _ABOUT + "about_classes"), "enum statement": ps("5.0", _ABOUT + "about_enum"),
    "using statement": ps("5.0", _ABOUT + "about_using"),
    "operator &&": ps("7.0", _ABOUT + "about_pipeline_chain_operators"),
    "operator ||": ps("7.0", _ABOUT + "about_pipeline_chain_operators"),
    "operator ??": ps("7.0", _ABOUT + "about_operators"), "operator ?": ps("7.0", _ABOUT + "about_operators"),
}
for _op in ("eq", "ne", "gt", "ge", "lt", "le", "like", "notlike", "match", "notmatch", "replace", "contains",
            "notcontains"):
    for _prefix in ("", "i", "c"):
        FEATURES[f"operator -{_prefix}{_op}"] = _v1("about_comparison_operators")

COM: dict[str, Entry] = {
    "hnetcfg.fwpolicy2": other("Windows Vista / Server 2008 (COM)", LEARN + "windows/win32/api/netfw/"
                               "nn-netfw-inetfwpolicy2", needs="vista", note="INetFwPolicy2"),
}
