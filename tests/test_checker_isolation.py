"""The checker stands alone: it imports only the standard library, never the project it checks.

A subprocess blocks ``exactrelu`` and the heavy dependencies with a ``sys.meta_path`` finder, then
imports ``exactrelu_checker`` and checks a hand-written certificate file; a static scan of the
package's import statements backs this up for modules the run might not reach.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from test_checker import EXAMPLE, ONE_D

ROOT = Path(__file__).resolve().parents[1]
BLOCKED = ("exactrelu", "numpy", "flint", "sympy", "networkx", "highspy", "scipy", "tqdm")

SCRIPT = r"""
import importlib.abc, sys
BLOCKED = set(sys.argv[1].split(","))

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ImportError(f"blocked import of {name}")
        return None

sys.meta_path.insert(0, Block())
import exactrelu_checker
from exactrelu_checker import check_file, main
network = sys.argv[2]
for path in sys.argv[3:]:
    print(check_file(path).verified, check_file(path, network).verified)
print(main([sys.argv[3], "--network", network]))
leaked = sorted(m for m in sys.modules if m.partition(".")[0] in BLOCKED)
print("leaked:", leaked)
"""


def test_checker_runs_with_the_project_and_heavy_dependencies_blocked(tmp_path):
    paths = []
    for name, cert in (("example", EXAMPLE), ("one_d", ONE_D)):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(cert))
        paths.append(str(path))
    bad = json.loads(json.dumps(EXAMPLE))
    bad["regions"][0]["map"]["bias"][1] = "0"
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    paths.append(str(tmp_path / "bad.json"))
    network = tmp_path / "net.json"
    network.write_text(json.dumps(EXAMPLE["network"]))
    out = subprocess.run([sys.executable, "-c", SCRIPT, ",".join(BLOCKED), str(network), *paths], capture_output=True,
                         text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.split("\n")
    assert lines[:4] == ["True True", "True False", "False False", "VERIFIED"], out.stdout  # one_d is another net
    assert lines[-4:] == [f"network: the certificate's embedded network (compared exactly with {network})", "0",
                          "leaked: []", ""]


def test_blocker_really_blocks():
    out = subprocess.run([sys.executable, "-c", SCRIPT.replace("import exactrelu_checker", "import exactrelu"),
                          ",".join(BLOCKED)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode != 0 and "blocked import of exactrelu" in out.stderr


def test_static_imports_are_standard_library_only():
    package = ROOT / "exactrelu_checker"
    modules = sorted(package.glob("*.py"))
    assert {m.name for m in modules} >= {"__init__.py", "__main__.py", "statement.py", "parse.py", "check.py"}
    for module in modules:
        for node in ast.walk(ast.parse(module.read_text(), filename=str(module))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: inside the checker package
                    continue
                names = [node.module]
            elif isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("eval", "exec", "__import__"):
                raise AssertionError(f"{module.name} calls {node.func.id}")
            else:
                continue
            for name in names:
                top = name.partition(".")[0]
                assert top in sys.stdlib_module_names or top == "__future__", f"{module.name} imports {name}"


def test_checker_is_small():
    lines = sum(len(p.read_text().splitlines()) for p in (ROOT / "exactrelu_checker").glob("*.py"))
    # 1,500 before the constraint form (constraints.py), 1,850 before --jobs (processes.py), 1,979 before a vertex
    # on a known line was met without a solve (VertexTable.vertex: the checker 10-15% faster on ACAS Xu), 2,000
    # before a known point was found by its floats and tested exactly (VertexTable.guess: about 10% faster again)
    assert lines <= 2030, lines
