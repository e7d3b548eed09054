"""The lab's import structure (issue 18's Done-when): one direction, no circles, no code shared with the product.

Every module under remediate/lab/ is parsed (ast, nothing is imported) and every import it makes is an edge, at
module level or inside a function, under TYPE_CHECKING or not: a lazy import is still a dependency, and a circle
through one is still a circle. `from package import name` is an edge to `package.name` when that is a module.

- (a) no import circle among lab modules;
- (b) the layers `wsman -> host -> pwsh -> windows -> state` read one way: no module of a layer reaches (directly or
  through other lab modules) a module of a layer above it. The test covers whatever of the layers exists;
- (c) lab/state imports nothing of the lab outside lab/state (so neither lab/smtp nor lab/symptoms);
- (d) the lab imports from the product (`remediate.*` outside `remediate.lab`) only what PRODUCT_ALLOWED says.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import remediate

ROOT = Path(remediate.__file__).resolve().parent
LAB = ROOT / "lab"
LAYERS = ["remediate.lab.wsman", "remediate.lab.host", "remediate.lab.pwsh", "remediate.lab.windows",
          "remediate.lab.state"]

# Product modules the lab may import, and by which lab modules (prefixes). Anything else of the product (above
# all remediate.resources.*, whose normalisation the lab must check rather than share, and remediate.transport,
# the client side of the WinRM the lab serves) is refused.
PRODUCT_ALLOWED: dict[str, tuple[str, ...]] = {
    # The wire contract between controller and host (command line, stdin framing, answer framing): the lab plays
    # the host, so it must speak it; a framing bug is caught by the real WinRM client talking to the lab.
    # compat renders the agent to list what it uses.
    "remediate.agent": ("remediate.lab.host", "remediate.lab.compat"),
    # Infrastructure that models nothing of Windows: error types shown to lab users, private-file writing for keys
    # and credentials, the YAML loader of scenario files.
    "remediate.errors": ("remediate.lab",),
    "remediate.securefiles": ("remediate.lab",),
    "remediate.yamlsrc": ("remediate.lab",),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _lab_modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(LAB.rglob("*.py"))}


MODULES = _lab_modules()


def _is_module(name: str) -> bool:
    if name in MODULES:
        return True
    path = ROOT.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _imports(name: str, path: Path) -> Iterator[tuple[str, int]]:
    """(imported module, line) for every import in the file, resolved to absolute module names."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                child = f"{module}.{alias.name}"
                yield (child if _is_module(child) else module), node.lineno


def _graph() -> dict[str, list[tuple[str, int]]]:
    return {name: [(m, line) for m, line in _imports(name, path) if m.startswith("remediate")]
            for name, path in MODULES.items()}


GRAPH = _graph()


def _lab_edges(name: str) -> list[tuple[str, int]]:
    return [(m, line) for m, line in GRAPH[name] if m in MODULES]


def _layer(name: str) -> int | None:
    for index, prefix in enumerate(LAYERS):
        if name == prefix or name.startswith(prefix + "."):
            return index
    return None


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module, or a module importing itself (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target, _ in _lab_edges(node):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or any(t == node for t, _ in _lab_edges(node)):
                found.append(sorted(component))

    for module in MODULES:
        if module not in index:
            visit(module)
    return found


def _reach(start: str) -> dict[str, list[str]]:
    """Every lab module `start` reaches, with one import path to it."""
    paths = {start: [start]}
    todo = [start]
    while todo:
        node = todo.pop()
        for target, _ in _lab_edges(node):
            if target not in paths:
                paths[target] = [*paths[node], target]
                todo.append(target)
    return paths


def test_the_walk_sees_the_lab() -> None:
    # A walk that finds nothing would pass every check below.
    assert {"remediate.lab.host", "remediate.lab.state.mail", "remediate.lab.smtp"} <= set(MODULES)
    assert any(m == "remediate.lab.state.mail" for m, _ in GRAPH["remediate.lab.smtp"])
    assert any(m == "remediate.lab.wsman.encryption" for m, _ in GRAPH["remediate.lab.wsman.connection"])


def test_no_import_cycles_in_the_lab() -> None:
    assert _cycles() == []


def test_layers_read_one_way() -> None:
    wrong = []
    for module in MODULES:
        layer = _layer(module)
        if layer is None:
            continue
        for target, path in _reach(module).items():
            target_layer = _layer(target)
            if target_layer is not None and target_layer < layer:
                wrong.append(f"{module} ({LAYERS[layer]}) reaches {target} ({LAYERS[target_layer]}): "
                             + " -> ".join(path))
    assert wrong == []


def test_state_imports_only_state() -> None:
    wrong = [f"{module}:{line} imports {target}" for module in MODULES if _layer(module) == LAYERS.index(
        "remediate.lab.state") for target, line in _lab_edges(module) if _layer(target) != LAYERS.index(
        "remediate.lab.state")]
    assert wrong == []
    for module in ("remediate.lab.smtp", "remediate.lab.symptoms"):
        assert all(module not in _reach(m) for m in MODULES if m.startswith("remediate.lab.state"))


def test_the_lab_shares_no_code_with_the_product() -> None:
    wrong = []
    for module, edges in GRAPH.items():
        for target, line in edges:
            if target == "remediate" or target.startswith("remediate.lab"):
                continue
            allowed = next((users for name, users in PRODUCT_ALLOWED.items()
                            if target == name or target.startswith(name + ".")), ())
            if not any(module == u or module.startswith(u + ".") for u in allowed):
                wrong.append(f"{MODULES[module].relative_to(ROOT.parent)}:{line}: {module} imports {target}")
    assert wrong == []


def test_the_checks_catch_what_they_forbid() -> None:
    """The checks on a made-up graph: a circle, an upward import, state importing smtp."""
    global GRAPH, MODULES
    saved = GRAPH, MODULES
    try:
        MODULES = {m: LAB for m in ("remediate.lab.state.a", "remediate.lab.windows.b", "remediate.lab.smtp")}
        GRAPH = {"remediate.lab.state.a": [("remediate.lab.smtp", 1)],
                 "remediate.lab.windows.b": [("remediate.lab.state.a", 1)],
                 "remediate.lab.smtp": [("remediate.lab.windows.b", 1)]}
        assert _cycles() == [sorted(MODULES)]
        assert "remediate.lab.windows.b" in _reach("remediate.lab.state.a")
    finally:
        GRAPH, MODULES = saved
