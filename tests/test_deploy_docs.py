"""The deployment guide names only commands, options, settings and files that exist.

Operators paste from `docs/deploy.md` and copy the files in `deploy/`: the systemd units,
the Caddyfile and the nginx site file that `tests/test_proxy.py` runs behind. A command
renamed, an option dropped or a setting removed would leave them with a line that fails on
their server; these tests fail first.
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from ecourse.cli.main import main
from ecourse.core import settings

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "deploy.md"
DEPLOY = ROOT / "deploy"

FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)
INLINE = re.compile(r"`([^`\n]+)`")
COMMENT = re.compile(r"(?:^|(?<=\s))#.*$", re.M)
# `ecourse` as a word of its own (at a line's start, or after a space, a backtick, `/` or
# `(`), then a lower-case word: `ecourse init`, `/opt/ecourse/venv/bin/ecourse serve`. These
# are no commands: `ecourse.service`, `/etc/ecourse/`, `--owner=ecourse`, `ecourse "$@"`.
INVOCATION = re.compile(r"(?:^|(?<=[\s`/(]))ecourse[ \t]+(?P<words>[a-z][^\n;&|)'\"]*)", re.M)
SETTING = re.compile(r"\bECOURSE_[A-Z0-9_]*[A-Z0-9]\b")
METRIC = re.compile(r"\becourse_[a-z_]*[a-z]\b")
REPO_PATH = re.compile(r"\b(?:deploy|docs|tests)/[\w.-]*\w")
EXCERPT = re.compile(r"^# (deploy/\S+) \(excerpt\)$")


def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def deploy_files() -> list[Path]:
    return sorted(path for path in DEPLOY.iterdir() if path.is_file())


def guide_code() -> str:
    """The guide's code, fenced and inline, without comments: what operators paste."""
    text = guide()
    blocks = FENCE.findall(text)
    inline = INLINE.findall(FENCE.sub("", text))
    return COMMENT.sub("", "\n".join(blocks + inline))


def unit_commands(unit: Path) -> str:
    lines = unit.read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines if line.startswith("Exec"))


def invocations() -> list[tuple[str, list[str]]]:
    """Every `ecourse …` in the guide's code and the units' Exec lines: (where, words)."""
    sources = [("docs/deploy.md", guide_code())]
    sources += [(f"deploy/{unit.name}", unit_commands(unit)) for unit in DEPLOY.glob("*.service")]
    return [
        (where, match["words"].split())
        for where, text in sources
        for match in INVOCATION.finditer(text)
    ]


def resolve(words: list[str]) -> tuple[click.Command | None, list[str], list[str]]:
    """Follow the words down the `ecourse` group: the command (None if there is no such
    command), the names that led there, and the words left for it."""
    command: click.Command = main
    path, rest = ["ecourse"], list(words)
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        name = rest.pop(0)
        path.append(name)
        found = command.commands.get(name)
        if found is None:
            return None, path, rest
        command = found
    return command, path, rest


def option_names(command: click.Command) -> set[str]:
    names = {"-h", "--help"}
    for param in command.params:
        names.update(param.opts, param.secondary_opts)
    return names


def test_the_guide_and_units_run_only_commands_and_options_ecourse_has():
    problems, seen = [], set()
    for where, words in invocations():
        command, path, rest = resolve(words)
        seen.add(" ".join(path[1:]))
        if command is None:
            problems.append(f"{where}: `{' '.join(path)}` is not a command")
            continue
        for word in rest:
            option = word.split("=", 1)[0]
            if option.startswith("--") and option not in option_names(command):
                problems.append(f"{where}: `{' '.join(path)}` has no option {option}")
    assert not problems, "\n".join(sorted(set(problems)))
    # The scan finds the commands the guide is built on (so it cannot pass by finding none).
    assert {"init", "serve", "worker", "backup", "restore", "admin create"} <= seen


def test_every_setting_the_guide_and_deploy_files_name_is_a_real_setting():
    texts = {"docs/deploy.md": guide()}
    texts |= {f"deploy/{path.name}": path.read_text(encoding="utf-8") for path in deploy_files()}
    unknown = {
        f"{where}: {name}"
        for where, text in texts.items()
        for name in SETTING.findall(text)
        if name.removeprefix(settings.PREFIX) not in settings.BY_NAME
    }
    assert not unknown, "not in ecourse/core/settings.py:\n" + "\n".join(sorted(unknown))


def test_every_file_the_guide_names_exists_and_every_deploy_file_is_in_it():
    named = set(REPO_PATH.findall(guide()))
    assert "deploy/nginx.conf" in named  # the file tests/test_proxy.py runs behind
    missing = sorted(path for path in named if not (ROOT / path).exists())
    assert not missing, f"the guide names files that do not exist: {missing}"
    shipped = {f"deploy/{path.name}" for path in deploy_files()}
    assert not shipped - named, f"the guide does not describe {sorted(shipped - named)}"


def test_the_guides_excerpts_are_lines_of_the_files_they_quote():
    for block in FENCE.findall(guide()):
        first, *lines = block.splitlines()
        quoted = EXCERPT.match(first)
        if not quoted:
            continue
        source = {line.strip() for line in (ROOT / quoted[1]).read_text().splitlines()}
        missing = [line for line in lines if line.strip() and line.strip() not in source]
        assert not missing, f"{quoted[1]} no longer has: {missing}"


def test_the_units_can_write_the_data_folder_the_guides_environment_file_sets():
    data_dir = re.search(r"^ECOURSE_DATA_DIR=(\S+)$", guide(), re.M)[1]
    for unit in DEPLOY.glob("*.service"):
        text = unit.read_text(encoding="utf-8")
        assert "EnvironmentFile=/etc/ecourse/ecourse.env" in text, unit.name
        writable = re.search(r"^ReadWritePaths=(.*)$", text, re.M)
        assert writable and data_dir in writable[1].split(), unit.name


def test_the_guides_alert_rules_use_metrics_ecourse_serves():
    metrics = (ROOT / "ecourse" / "worker" / "metrics.py").read_text(encoding="utf-8")
    expressions = re.findall(r"^\s*expr:(.*)$", guide(), re.M)
    used = {name for line in expressions for name in METRIC.findall(line)}
    assert used, "the guide has no alert rules any more: drop this test"
    unknown = {name for name in used if f'"{name.removesuffix("_total")}"' not in metrics}
    assert not unknown, f"ecourse/worker/metrics.py serves no {sorted(unknown)}"
