"""Settings are declared once; the README documents exactly those."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ecourse import create_app
from ecourse.core import settings
from ecourse.core.resources import bundled
from ecourse.worker.passes import run_pass
from tests.factories import sign_up

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_configuration_table_matches_the_declared_settings():
    assert settings.markdown_table() in README.read_text(encoding="utf-8"), (
        "README's configuration table is out of date: paste `python -m ecourse.core.settings`"
    )


def test_the_interface_names_exist():
    required = {
        "DATABASE_URL",
        "DATA_DIR",
        "SECRET_KEY",
        "BASE_URL",
        "MAIL_BACKEND",
        "SMTP_HOST",
        "SMTP_PORT",
        "SMTP_USERNAME",
        "SMTP_PASSWORD",
        "SMTP_SECURITY",
        "MAIL_FROM",
        "REPLY_TO",
        "TIMEZONE",
        "LESSONS_DIR",
        "EMAIL_TEMPLATES_DIR",
    }
    assert required <= set(settings.BY_NAME)


def test_environment_values_are_parsed_and_defaults_fill_the_rest():
    values = settings.load({"ECOURSE_SMTP_PORT": "2525", "ECOURSE_TRUST_PROXY": "yes"})
    assert values["SMTP_PORT"] == 2525 and values["TRUST_PROXY"] is True
    assert values["TIMEZONE"] == "Europe/Amsterdam" and values["MAIL_BACKEND"] == "outbox"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("ECOURSE_SMTP_PORT", "vijf", "ECOURSE_SMTP_PORT"),
        ("ECOURSE_MAIL_BACKEND", "pigeon", "expected one of outbox, smtp, postmark, memory"),
        ("ECOURSE_SMTP_SECURITY", "maybe", "none, starttls, tls"),
        ("ECOURSE_TRUST_PROXY", "perhaps", "yes/no"),
    ],
)
def test_bad_values_name_the_variable(variable, value, message):
    with pytest.raises(settings.SettingsError, match=message):
        settings.load({variable: value})


def test_unknown_override_is_refused():
    with pytest.raises(settings.SettingsError, match="unknown setting"):
        settings.load({}, {"NOT_A_SETTING": 1})


def test_defaults_give_a_working_sqlite_database_and_a_kept_secret(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path / "data")})
    assert (
        app.config["SQLALCHEMY_DATABASE_URI"]
        == f"sqlite:///{tmp_path / 'data' / 'ecourse.sqlite3'}"
    )
    key_file = tmp_path / "data" / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    again = create_app({"DATA_DIR": str(tmp_path / "data")})
    assert app.secret_key == again.secret_key and len(app.secret_key) > 40


def test_cookies_are_secure_when_the_base_url_is_https(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path), "BASE_URL": "https://cursus.example.nl"})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_email_templates_dir_replaces_the_project_templates(make_app, tmp_path, monkeypatch):
    own = tmp_path / "eigen-mails"
    shutil.copytree(bundled("email_templates"), own)
    (own / "confirm" / "subject.txt").write_text("Eigen onderwerp: {{ course.title }}\n")
    monkeypatch.setenv("ECOURSE_EMAIL_TEMPLATES_DIR", str(own))
    app = make_app()
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    sign_up("sjabloon@example.org", now)
    run_pass(now)
    (message,) = app.extensions["ecourse.messenger"].sent
    assert message.subject == "Eigen onderwerp: Testcursus"


def test_readme_map_names_every_module_and_package():
    """Every module of every layer has its line in README's map of the code."""
    text = README.read_text(encoding="utf-8")
    code_map = text[text.index("## Map of the code") :]
    package = Path(__file__).resolve().parent.parent / "ecourse"
    modules = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.name != "__init__.py" and path.parent != package and "_bundled" not in path.parts
    ]
    packages = [f"`ecourse/{path.parent.name}/`" for path in package.glob("*/__init__.py")]
    top = [f"`ecourse/{path.name}`" for path in package.glob("*.py")]
    missing = [name for name in modules if f"`{name}`" not in code_map]
    missing += [name for name in packages + top if name not in code_map]
    assert not missing, f"README's map of the code lacks {missing}"
