"""`ecourse backup FILE` and `ecourse restore FILE`: a consistent copy of the database while
ecourse runs, and putting one back (the work is done in `ecourse.core.backup`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask

from ecourse.cli.app import with_app
from ecourse.core import backup
from ecourse.core.db import SchemaError, require_current_schema


@click.command("backup")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE when it exists.")
@with_app
def backup_command(app: Flask, file: Path, force: bool) -> None:
    """Write a consistent copy of the database to FILE, while serve and workers run.

    SQLite: the online backup API, checked before the file gets its name. PostgreSQL:
    pg_dump's custom format when pg_dump is installed; otherwise the command to run.
    """
    click.echo(_carried_out(backup.back_up, app, file, force))
    _mention_the_secret_key(app, "keep a copy of it with the backup")


@click.command("restore")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds tables.")
@with_app
def restore_command(app: Flask, file: Path, force: bool) -> None:
    """Restore the backup FILE into the configured database, which must be empty.

    Stop serve and the workers first (on SQLite it refuses while they have the database
    open). Without --force, a database that holds tables is left alone; on PostgreSQL, even
    with it, one that holds tables the backup lacks. The schema stays as the backup had it:
    `ecourse init` upgrades an older one.
    """
    click.echo(_carried_out(backup.restore, app, file, force))
    _mention_an_older_schema()
    _mention_the_secret_key(app, "copy the secret_key of the backup's data folder over it")


def _carried_out(action: Callable, app: Flask, file: Path, force: bool):
    """Run a backup or restore; its problem, if any, is one line and a non-zero exit."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    try:
        return action(url, file, force=force, progress=lambda line: click.echo(line, err=True))
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None


def _mention_an_older_schema() -> None:
    """The restore migrates nothing, so the data is what was saved; say what upgrades it."""
    try:
        require_current_schema()
    except SchemaError as error:
        click.echo(f"note: {error}")


def _mention_the_secret_key(app: Flask, advice: str) -> None:
    """The generated secret key signs every emailed link, and it lives beside the database
    in the data folder, not in it: without it, a restored ecourse breaks every old link."""
    if "ECOURSE_SECRET_KEY" not in os.environ:
        key = Path(app.config["ECOURSE"]["DATA_DIR"]) / "secret_key"
        click.echo(
            f"note: emailed links are signed with the key in {key}, not in the backup: {advice}"
        )
