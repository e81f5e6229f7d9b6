"""The package's shape: no import cycle, Airflow only in the adapter, no dev tooling in the runtime."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "include" / "chorusflow"
DEV_PACKAGE = REPO_ROOT / "devtools" / "chorusflow_dev"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at its top or inside a function (a lazy import is still a link)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = {target for target in _imports(path) if target in modules and target != name}
        # Importing a.b.c imports the packages a and a.b first, unless they hold the importer itself
        # (a package is always imported before its modules, so that edge closes no cycle).
        own = {*_parents(name), name}
        parents = {parent for target in targets for parent in _parents(target)}
        graph[name] = (targets | parents) - own
    return graph


def _parents(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts))]


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return stack[stack.index(target) :] + [target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle_in_the_package() -> None:
    assert _cycle(_graph()) is None


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def _importers(package: Path, top: str, *, allowed_subpackage: str | None = None) -> list[str]:
    """Modules of ``package`` (outside ``allowed_subpackage``) that import ``top`` or one of its modules."""
    return [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.relative_to(package).parts[0] != allowed_subpackage
        and any(name == top or name.startswith(f"{top}.") for name in _imports(path))
    ]


def test_only_the_adapters_import_airflow() -> None:
    assert _importers(PACKAGE, "airflow", allowed_subpackage="airflow") == []
    assert _importers(DEV_PACKAGE, "airflow", allowed_subpackage="airflow") == []


def test_the_runtime_package_never_imports_the_dev_tooling() -> None:
    # The production image installs chorusflow without chorusflow_dev (Dockerfile, stage production).
    assert _importers(PACKAGE, "chorusflow_dev") == []
    assert (DEV_PACKAGE / "sandbox" / "server.py").is_file()
