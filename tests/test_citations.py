"""Every citation points at something a reader of the repository can open.

Notes kept outside the repository (the reference folder shared by the developers) are summarised in
docs/sources.md with their public sources; code and docs cite that page, never the notes themselves.
"""

from __future__ import annotations

import re
import subprocess

from tests.conftest import REPO_ROOT

# Names of the notes outside the repository, and absolute paths of one developer's machine.
OUTSIDE = re.compile(
    r"api-reference|invoice-rules|airflow-3\.3-notes|next-wave-notes|peers\.md|\.\./shared/|/work/"
)


def _tracked_text_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    suffixes = (".py", ".md", ".yaml", ".yml", ".toml", ".txt", ".cfg", ".ini", ".html")
    return [name for name in listed.stdout.splitlines() if name.endswith(suffixes)]


def test_nothing_cites_notes_outside_the_repository() -> None:
    files = _tracked_text_files()
    assert "include/chorusflow/rules/checks/dates.py" in files
    this_file = "tests/test_citations.py"
    found = [
        f"{name}:{number}"
        for name in files
        if name != this_file
        for number, line in enumerate((REPO_ROOT / name).read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert found == []
