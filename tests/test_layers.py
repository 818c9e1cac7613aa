"""The package's shape: no import cycles at all, and the lesson import needs no web code.

The layering itself (each layer importing only those below it, blueprints side by side) is
import-linter's to check (`lint-imports`, contracts in pyproject.toml, run by scripts/test).
import-linter does not look for cycles, so this test reads every module, imports inside
functions included, and fails on any cycle.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "ecourse"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_nodes(tree: ast.AST):
    """Every node that runs: what is under `if TYPE_CHECKING:` is for type checkers only."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            continue
        yield node
        yield from _runtime_nodes(node)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The ecourse modules `path` imports when it runs, anywhere in it (a name imported from
    a package counts as the submodule when there is one)."""
    found = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in modules else node.module)
    return {name for name in found if name in modules}


def import_graph() -> dict[str, set[str]]:
    paths = [p for p in PACKAGE.rglob("*.py") if "_bundled" not in p.parts]
    modules = {module_name(path) for path in paths}
    return {module_name(path): imports_of(path, modules) - {module_name(path)} for path in paths}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for neighbour in sorted(graph.get(node, ())):
            if neighbour not in index:
                visit(neighbour)
                low[node] = min(low[node], low[neighbour])
            elif neighbour in on_stack:
                low[node] = min(low[node], index[neighbour])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_package_has_no_import_cycles():
    assert cycles(import_graph()) == []


def test_the_cycle_check_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_importing_lessons_for_ecourse_init_loads_no_web_code():
    """`ecourse init` and `ecourse lessons import` read lesson files; they need nothing of
    the web app's views to do it."""
    probe = (
        "import sys\n"
        "import ecourse.cli.lessons, ecourse.learners.lessonchanges, ecourse.content.catalog\n"
        "print([m for m in sys.modules if m.startswith('ecourse.web')])\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"


def test_a_process_that_runs_no_scheduler_loads_no_library_it_does_not_use(tmp_path):
    """Every process builds the whole app, `ecourse tick` and the web processes of a
    deployment with its own worker too. APScheduler (for `serve` and `worker`),
    prometheus_client (for a scrape), pyotp and segno (for an admin's sign-in) and requests
    (for the Postmark backend) cost memory and start-up time there, and are loaded only
    where they are used."""
    probe = (
        "import sys\n"
        "from ecourse import create_app\n"
        "create_app()\n"
        "print(sorted({m.split('.')[0] for m in sys.modules}"
        " & {'apscheduler', 'prometheus_client', 'pyotp', 'requests', 'segno'}))\n"
        "from ecourse.worker import scheduler, metrics\n"
        "from ecourse.learners import twofactor\n"
        "twofactor.qr_svg(twofactor.setup_uri('JBSWY3DPEHPK3PXPJBSWY3DP', 'a@example.org', 'X'))\n"
        "from ecourse.mail import create\n"
        "postmark = {'POSTMARK_API_URL': 'http://127.0.0.1:9', 'POSTMARK_TOKEN': 't'}\n"
        "create('postmark', postmark | {'POSTMARK_MESSAGE_STREAM': 'outbound'})\n"
        "print(sorted({m.split('.')[0] for m in sys.modules}"
        " & {'apscheduler', 'prometheus_client', 'pyotp', 'requests', 'segno'}))\n"
    )
    settings = {
        "ECOURSE_DATA_DIR": str(tmp_path),
        "ECOURSE_DATABASE_URL": f"sqlite:///{tmp_path / 'probe.sqlite3'}",
        "ECOURSE_SECRET_KEY": "probe" * 8,
    }
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ECOURSE_")}
    loaded = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env=environment | settings,
    ).stdout.splitlines()
    everything = "['apscheduler', 'prometheus_client', 'pyotp', 'requests', 'segno']"
    assert loaded == ["[]", everything]
