"""The layers stay apart (the contracts live in pyproject.toml): bot above conversations above
storage, the flows above the domain beside them, no channel's library below bot; and the code
is ruff-clean."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tool(name: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).parent / name)
    return found


def test_import_contracts_hold():
    result = subprocess.run([_tool("lint-imports")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_finds_nothing():
    result = subprocess.run([_tool("ruff"), "check", "."], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr


MODULE_MOST = 400  # lines
FUNCTION_MOST = 50  # lines, unless a comment above it starts "# Long:" and says why
PACKAGES = ("bot", "conversations", "storage")


def _sources() -> list[Path]:
    return [path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))
            if "migrations" not in path.parts]


def test_modules_and_functions_stay_short():
    """A module holds one concept and a function one step: past these sizes it is time to
    split, or to say beside it why not."""
    too_long = []
    for path in _sources():
        lines = path.read_text().splitlines()
        name = path.relative_to(ROOT)
        if len(lines) > MODULE_MOST:
            too_long.append(f"{name}: {len(lines)} lines")
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            size = (node.end_lineno or node.lineno) - node.lineno + 1
            reason = lines[first - 2].strip().startswith("# Long:") if first > 1 else False
            if size > FUNCTION_MOST and not reason:
                too_long.append(f"{name}:{node.lineno} {node.name}(): {size} lines")
    assert too_long == []
