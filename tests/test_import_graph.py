"""The modules of bot/ import one another without circles, and without late imports to hide one.

Every `import` of a bot module counts, at the top of a file or inside a function (a circle
held together by an import inside a function is still a circle), and so does the package
`__init__` such an import runs (`bot/store/__init__.py` imports the whole store). Read with
`ast`, not run: an import that works only in some order is found whatever the order.
"""

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"
# Layers whose modules import only at the top: the core and the store have no start-up cost
# to defer, so a late import there would only hide a circle.
TOP_LEVEL_ONLY = ("bot.core", "bot.store")


def modules(root: Path) -> dict[str, Path]:
    """Dotted module name → file, for every .py file under the package `root`."""
    found = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imported(node: ast.AST, known: dict[str, Path], package: str) -> list[str]:
    """The known modules an import statement names (`from a import b` may name module a.b)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        names = [
            f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in known else node.module
            for alias in node.names
        ]
    else:
        return []
    out = []
    for name in names:
        while name and name not in known:  # `import bot.x.y` of a name inside a module
            name = name.rpartition(".")[0]
        if name.split(".")[0] == package:
            out.append(name)
    return list(dict.fromkeys(out))


def import_graph(root: Path) -> tuple[dict[str, set[str]], list[tuple[str, int, str]]]:
    """(module → the package's modules it imports anywhere, [(module, line, target)] of the
    imports made inside a function)."""
    known = modules(root)
    graph: dict[str, set[str]] = {name: set() for name in known}
    late: list[tuple[str, int, str]] = []
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                for node in ast.walk(func):
                    late += [(name, node.lineno, t) for t in _imported(node, known, root.name)]
        for node in ast.walk(tree):
            for target in _imported(node, known, root.name):
                graph[name].add(target)
                graph[name].update(_packages_run(name, target, known))
        graph[name].discard(name)
    return graph, late


def _packages_run(importer: str, target: str, known: dict[str, Path]) -> list[str]:
    """The packages whose `__init__` importing `target` runs: its parents, except those the
    importer is inside (they are already being imported when it runs)."""
    parts = target.split(".")
    parents = [".".join(parts[:i]) for i in range(1, len(parts))]
    return [p for p in parents if p in known and not f"{importer}.".startswith(f"{p}.")]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_checker_finds_a_circle_hidden_in_a_function(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg.b import two\n\ndef one():\n    return two()\n")
    (pkg / "b.py").write_text("def two():\n    from pkg import a\n\n    return a\n")
    (pkg / "c.py").write_text("import pkg.a\n")
    (pkg / "d.py").write_text("import e.f\n")  # another package: not in the graph
    (tmp_path / "e").mkdir()
    graph, late = import_graph(pkg)
    assert graph == {
        "pkg": set(),
        "pkg.a": {"pkg.b"},
        "pkg.b": {"pkg.a"},
        "pkg.c": {"pkg.a"},
        "pkg.d": set(),
    }
    assert cycles(graph) == [["pkg.a", "pkg.b"]]
    assert late == [("pkg.b", 2, "pkg.a")]


def test_importing_a_module_runs_its_package_first(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from pkg.sub.low import x\n")
    (pkg / "sub" / "low.py").write_text("from pkg.sub.mid import y\nx = 1\n")
    (pkg / "sub" / "mid.py").write_text("y = 2\n")
    (pkg / "top.py").write_text("from pkg.sub.mid import y\n")
    (pkg / "sub" / "back.py").write_text("from pkg.top import y\n")
    (pkg / "sub" / "low.py").write_text("from pkg.sub.back import y\nx = 1\n")
    graph, _ = import_graph(pkg)
    # top -> pkg.sub.mid also runs pkg.sub's __init__, which leads back to top.
    assert "pkg.sub" in graph["pkg.top"]
    assert "pkg.sub" not in graph["pkg.sub.back"]  # inside pkg.sub: already being imported
    assert cycles(graph) == [["pkg.sub", "pkg.sub.back", "pkg.sub.low", "pkg.top"]]


def test_no_circles_among_bot_modules():
    graph, _ = import_graph(BOT)
    assert len(graph) > 50 and graph["bot.core.commands"]  # it read the real package
    assert cycles(graph) == []


def test_core_and_store_import_only_at_the_top():
    _, late = import_graph(BOT)
    inside = [f"{m}:{line} imports {t}" for m, line, t in late if m.startswith(TOP_LEVEL_ONLY)]
    assert inside == []


def test_the_core_holds_no_sqlite():
    # SQL and FTS5 live in bot/store; the core calls it (bot.store.matching, Store methods).
    found = []
    for name, path in modules(BOT).items():
        if name.startswith("bot.core"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found += [(name, a.name) for a in node.names if a.name.startswith("sqlite")]
                elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlite"):
                    found.append((name, node.module))
    assert found == []
