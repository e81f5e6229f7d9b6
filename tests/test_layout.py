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


# -- issue #23: one package per pipeline step, and a seam for a second platform ---------------------

#: The platform-neutral steps: they reach a platform only through ``chorusflow.platforms``'s
#: interface and its registry (``platforms/registry.py``, the one place that names a platform).
STEPS = ("submission", "sync", "desk", "alerts", "resolution", "reporting", "rules", "exports")
#: Modules that still speak to Chorus Pro directly; the list only shrinks.
#: - resolution/resolver.py: acting on a blocked invoice (completer, recycler, traiterRejet) has no
#:   platform interface yet.
CHORUS_PRO_LEFT = {"resolution/resolver.py"}
#: The root holds only these modules; everything else lives in a package.
ROOT_MODULES = {"settings", "suppliers", "invoice", "storage", "crashpoints", "money"}


def _is_command(path: Path) -> bool:
    """A command module (the ``cli/`` package): an adapter, like ``airflow/``."""
    return _package_of(_module_name(path)) == "cli"


def test_the_steps_reach_chorus_pro_only_through_the_platform_interface() -> None:
    found = {
        str(path.relative_to(PACKAGE))
        for step in STEPS
        for path in (PACKAGE / step).rglob("*.py")
        if not _is_command(path)
        and any(name.startswith("chorusflow.platforms.chorus_pro") for name in _imports(path))
    }
    assert found == CHORUS_PRO_LEFT


def test_the_seam_check_sees_a_step_importing_chorus_pro(tmp_path: Path) -> None:
    step = tmp_path / "step.py"
    step.write_text("from chorusflow.platforms.chorus_pro.client import ChorusProClient\n", encoding="utf-8")
    assert "chorusflow.platforms.chorus_pro.client" in _imports(step)


def test_the_root_holds_at_most_six_modules() -> None:
    root = {path.stem for path in PACKAGE.glob("*.py")} - {"__init__"}
    assert root <= ROOT_MODULES
    assert len(root) <= 6


def _package_of(module: str) -> str:
    """The package a module belongs to: ``chorusflow.<package>``, or ``cli`` for a command module."""
    parts = module.split(".")
    if "cli" in parts[1:] and parts[1] != "messages":  # messages/cli.py is the commands' wording
        return "cli"
    return parts[1] if len(parts) > 1 else parts[0]


def _package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, targets in _graph().items():
        for target in targets:
            source, destination = _package_of(module), _package_of(target)
            if source != destination and target != "chorusflow":
                graph.setdefault(source, set()).add(destination)
    return graph


def test_no_import_cycle_between_packages_counting_local_imports() -> None:
    assert _cycle(_package_graph()) is None


#: Function-local imports stay only where they keep ``--help``, DAG parsing and plugin loading light.
MAX_LOCAL_IMPORTS = 24


def _local_imports(path: Path) -> list[ast.Import | ast.ImportFrom]:
    """The imports written inside a function of ``path`` (each once, nested functions included)."""
    found: dict[int, ast.Import | ast.ImportFrom] = {}
    for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    found[node.lineno] = node
    return list(found.values())


def _unexplained(path: Path) -> list[str]:
    """The local imports of ``path`` with no ``#`` reason on their line or the line above."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [
        f"{path}:{node.lineno}"
        for node in _local_imports(path)
        if "#" not in lines[node.lineno - 1] and "#" not in lines[node.lineno - 2]
    ]


def test_few_function_local_imports_each_with_its_reason() -> None:
    paths = list(PACKAGE.rglob("*.py"))
    assert sum(len(_local_imports(path)) for path in paths) <= MAX_LOCAL_IMPORTS
    assert [where for path in paths for where in _unexplained(path)] == []


def test_the_local_import_check_sees_an_unexplained_import(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text(
        "def explained():\n    # pandas only when called\n    import pandas\n\n\n"
        "def unexplained():\n    x = 1\n    import json\n",
        encoding="utf-8",
    )
    assert len(_local_imports(module)) == 2
    assert [where.rsplit(":", 1)[1] for where in _unexplained(module)] == ["8"]
