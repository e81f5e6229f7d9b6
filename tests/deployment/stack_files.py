"""Readers for the deployment files (docker-compose.yml, .env.example, Dockerfile) used by the checks.

Docker Compose is not available here, so the few Compose rules the checks rely on (``.env`` syntax and
``${VAR}`` interpolation) are reproduced from the Compose specification, narrowly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
ENV_EXAMPLE = REPO_ROOT / ".env.example"
DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
LEDGER_INIT_DIR = REPO_ROOT / "docker" / "postgres"

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}, $NAME; $$ is a literal $.
_INTERPOLATION = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)
_ENV_LINE = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)$")


class MissingVariableError(KeyError):
    """A ``${VAR:?message}`` reference whose variable is unset (or empty, with ``:?``)."""


def load_compose(path: Path = COMPOSE_FILE) -> dict[str, Any]:
    """The compose file as Python data, with YAML anchors and ``<<`` merge keys resolved."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name} is not a YAML mapping"
    return data


def referenced_variables(text: str) -> set[str]:
    """Names of every variable the text interpolates (``$$`` escapes excluded)."""
    names = set()
    for match in _INTERPOLATION.finditer(text):
        name = match.group("braced") or match.group("bare")
        if name:
            names.add(name)
    return names


def interpolate(value: Any, env: Mapping[str, str]) -> Any:
    """Apply Compose interpolation to every string inside ``value`` (dicts and lists included)."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        if match.group("escaped"):
            return "$"
        name = match.group("braced") or match.group("bare")
        op, arg = match.group("op"), match.group("arg") or ""
        current = env.get(name)
        missing = current is None or (op is not None and op.startswith(":") and current == "")
        if op in (":-", "-") and missing:
            return arg
        if op in (":?", "?") and missing:
            raise MissingVariableError(f"{name}: {arg}")
        return current or ""

    return _INTERPOLATION.sub(replace, value)


def parse_env_file(path: Path = ENV_EXAMPLE) -> dict[str, str]:
    """Active ``KEY=VALUE`` lines of a Compose ``.env`` file; quoted values lose their quotes."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _ENV_LINE.match(line.strip())
        if not match:
            continue
        raw = match.group("value").strip()
        if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
            raw = raw[1:-1]
        else:
            raw = raw.split(" #", 1)[0].strip()
        values[match.group("key")] = raw
    return values


def documented_variables(path: Path = ENV_EXAMPLE) -> set[str]:
    """Variables assigned in an env file below a comment of their paragraph (lines since the last blank)."""
    documented: set[str] = set()
    paragraph_has_comment = False
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped:
            paragraph_has_comment = False
        elif stripped.startswith("#"):
            paragraph_has_comment = True
        elif (match := _ENV_LINE.match(stripped)) and paragraph_has_comment:
            documented.add(match.group("key"))
    return documented


def dockerfile_instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` pairs, with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        full = pending + stripped
        pending = ""
        keyword, _, arguments = full.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def _dockerignore_regex(pattern: str) -> re.Pattern[str]:
    """Translate one .dockerignore pattern (Go filepath.Match plus ``**``) to a regex."""
    parts: list[str] = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            parts.append(".*")
            index += 2
        elif pattern[index] == "*":
            parts.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            parts.append("[^/]")
            index += 1
        else:
            parts.append(re.escape(pattern[index]))
            index += 1
    return re.compile("".join(parts) + r"\Z")


def dockerignore_excludes(relative_path: str, path: Path = DOCKERIGNORE) -> bool:
    """Whether Docker leaves ``relative_path`` out of the build context.

    As Docker does: the last matching pattern wins, ``!`` re-includes, and a pattern matching one of the
    path's parent folders matches the path too.
    """
    rules: list[tuple[bool, re.Pattern[str]]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        negated = stripped.startswith("!")
        pattern = stripped.lstrip("!").strip().strip("/")
        rules.append((negated, _dockerignore_regex(pattern)))
    segments = relative_path.strip("/").split("/")
    candidates = ["/".join(segments[: count + 1]) for count in range(len(segments))]
    excluded = False
    for negated, regex in rules:
        if any(regex.match(candidate) for candidate in candidates):
            excluded = not negated
    return excluded
