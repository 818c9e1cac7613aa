"""Every test that reads the wall clock carries `@pytest.mark.clock`, so the sweep runs it.

`scripts/clock-sweep` runs the tests marked `clock` at the instants where schedules go wrong
(evening, midnight, Saturday morning, both daylight-saving nights, new year's eve). A test
that reads the real time but is not marked would escape it; this check finds such a test by
reading the test modules: a call of `datetime.now`, `utcnow` or `time.time`, the `server` or
`browser` fixture, an `ecourse serve`, `worker` or `tick` (without `--now`) process, or a
script for a process that reads the clock, directly or through a helper in the same module.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
CLOCK_CALLS = {"now", "utcnow", "time", "today"}
CLOCK_OWNERS = {"datetime", "time", "date"}
PROCESS_FIXTURES = {"server", "browser"}
CLOCK_IN_SCRIPT = ("datetime.now(", "utcnow()", "time.time()")


def _is_clock_mark(node: ast.AST) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    return isinstance(target, ast.Attribute) and target.attr == "clock"


def _module_marked(tree: ast.Module) -> bool:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "pytestmark" for target in node.targets
        ):
            values = node.value.elts if isinstance(node.value, ast.List) else [node.value]
            return any(_is_clock_mark(value) for value in values)
    return False


def _reads_clock_itself(node: ast.AST, clock_scripts: set[str]) -> bool:
    for inner in ast.walk(node):
        if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute):
            owner = inner.func.value
            if inner.func.attr in CLOCK_CALLS and isinstance(owner, ast.Name):
                if owner.id in CLOCK_OWNERS:
                    return True
        if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name):
            if inner.func.id == "utcnow":
                return True
        if isinstance(inner, ast.List) and _starts_a_real_clock_process(inner):
            return True
        if isinstance(inner, ast.Name) and inner.id in clock_scripts:
            return True
    return False


def _starts_a_real_clock_process(listed: ast.List) -> bool:
    words = [item.value for item in listed.elts if isinstance(item, ast.Constant)]
    if "ecourse" not in words:
        return False
    return bool({"serve", "worker"} & set(words)) or ("tick" in words and "--now" not in words)


def _clock_scripts(tree: ast.Module) -> set[str]:
    """Module-level strings run as a process's code that read the clock themselves."""
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            if isinstance(node.value.value, str) and any(
                call in node.value.value for call in CLOCK_IN_SCRIPT
            ):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def _clock_readers(tree: ast.Module) -> set[str]:
    """Functions of the module that read the clock, themselves or through one another."""
    functions, scripts = _functions(tree), _clock_scripts(tree)
    readers = {name for name, node in functions.items() if _reads_clock_itself(node, scripts)}
    grew = True
    while grew:
        grew = False
        for name, node in functions.items():
            if name in readers:
                continue
            called = {
                inner.func.id
                for inner in ast.walk(node)
                if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name)
            }
            if called & readers:
                readers.add(name)
                grew = True
    return readers


def _uses_process_fixture(node: ast.FunctionDef) -> bool:
    return bool({argument.arg for argument in node.args.args} & PROCESS_FIXTURES)


def unmarked_clock_tests(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if _module_marked(tree):
        return []
    readers = _clock_readers(tree)
    found = []
    for name, node in _functions(tree).items():
        if not name.startswith("test_"):
            continue
        if name in readers or _uses_process_fixture(node):
            if not any(_is_clock_mark(decorator) for decorator in node.decorator_list):
                found.append(f"{path.name}::{name}")
    return found


def test_every_test_that_reads_the_wall_clock_is_marked_for_the_sweep():
    unmarked = [
        test for path in sorted(TESTS.glob("test_*.py")) for test in unmarked_clock_tests(path)
    ]
    assert unmarked == [], "mark these @pytest.mark.clock:\n" + "\n".join(unmarked)


def test_the_check_finds_a_test_that_reads_the_clock_unmarked(tmp_path):
    module = tmp_path / "test_example.py"
    module.write_text(
        "import pytest\n"
        "from datetime import UTC, datetime\n"
        "def helper():\n    return datetime.now(UTC)\n"
        "def test_through_a_helper():\n    helper()\n"
        "def test_with_a_worker():\n    run(['python', '-m', 'ecourse', 'worker'])\n"
        "def test_ticks_at_a_moment():\n    run(['ecourse', 'tick', '--now', 'x'])\n"
        "def test_in_the_browser(browser):\n    pass\n"
        "@pytest.mark.clock\ndef test_marked():\n    datetime.now(UTC)\n"
        "def test_fixed():\n    datetime(2026, 1, 1)\n"
    )
    assert unmarked_clock_tests(module) == [
        "test_example.py::test_through_a_helper",
        "test_example.py::test_with_a_worker",
        "test_example.py::test_in_the_browser",
    ]
