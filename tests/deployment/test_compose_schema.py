"""docker-compose.yml against the Compose specification (check-jsonschema, no Docker engine needed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.deployment.stack_files import COMPOSE_FILE

CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def _validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_compose_file_follows_the_compose_specification() -> None:
    result = _validate(COMPOSE_FILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_misspelled_key(tmp_path: Path) -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    assert "    healthcheck:\n" in text
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(text.replace("    healthcheck:\n", "    healthckeck:\n", 1), encoding="utf-8")
    result = _validate(broken)
    assert result.returncode != 0
    assert "healthckeck" in result.stdout + result.stderr
