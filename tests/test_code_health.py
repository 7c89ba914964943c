"""The habits CI enforces, run by the README's test command: layer contracts (import-linter), lint
and format (ruff), types (mypy).  Each runs as its own process on the whole package; a failure
shows the tool's own report."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["exactrelu", "exactrelu_checker"]

CHECKS = {
    "import-linter": ["lint-imports"],
    "ruff lint": [sys.executable, "-m", "ruff", "check", *PACKAGES],
    # The checker is kept compact to be read in one sitting (its size is capped by a test): lint only.
    "ruff format": [sys.executable, "-m", "ruff", "format", "--check", "exactrelu"],
    "mypy": [sys.executable, "-m", "mypy"],
}


@pytest.mark.parametrize("name", list(CHECKS))
def test_code_health(name):
    command = CHECKS[name]
    if command[0] == "lint-imports":
        found = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
        assert found, "lint-imports is missing: pip install -e '.[test]'"
        command = [found]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{name} failed:\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}"


def test_no_import_inside_a_function_dodges_a_circle():
    """Imports inside functions are allowed only to defer an optional or heavy dependency, and say
    so in a comment (``# deferred: ...``) on the import line."""
    offenders = []
    for path in sorted((ROOT / "exactrelu").rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for function in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if isinstance(node, (ast.Import, ast.ImportFrom)) and "# deferred" not in lines[node.lineno - 1]:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    assert not offenders, "imports inside functions without a '# deferred: why' comment:\n" + "\n".join(offenders)
