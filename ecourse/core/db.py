"""The database handle, the migration tool and the column types every model shares."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Enum, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from ecourse.core.resources import bundled

# Named constraints keep Alembic's batch mode (SQLite) and PostgreSQL migrations in step.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in Python, whatever the database stores.

    SQLite keeps no offset, so values go in as naive UTC and come back with UTC attached;
    PostgreSQL keeps `timestamptz`. Every comparison in SQL is then between UTC values.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def status_type(kind: type[StrEnum], name: str) -> Enum:
    """A column type for one of `ecourse.statuses`: stored as its string, and the database
    refuses any other value (a CHECK constraint named `ck_<table>_<name>`)."""
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection, connection_record) -> None:
    """One writer at a time with WAL, waiting instead of failing when the file is busy."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def init_app(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(bundled("migrations")), render_as_batch=True)


class SchemaError(RuntimeError):
    """The database's schema is not the one this code was written for, in words for the
    operator: what is wrong and what to run."""


@dataclass(frozen=True)
class SchemaChange:
    """What an upgrade found and left: the revision before (None: no schema) and after."""

    before: str | None
    after: str

    @property
    def created(self) -> bool:
        return self.before is None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def upgrade_schema() -> SchemaChange:
    """Create or upgrade the schema by running the migrations; safe to repeat."""
    from flask_migrate import upgrade

    before = current_revision()
    _refuse_unknown(before)
    upgrade(directory=str(bundled("migrations")))
    return SchemaChange(before, newest_revision())


def current_revision() -> str | None:
    """The migration the database is at, or None when it has no schema yet."""
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def newest_revision() -> str:
    """The newest migration this code ships."""
    return _scripts().get_current_head()


def require_current_schema() -> None:
    """Refuse to work on a database whose schema is missing or behind, in one clear line,
    instead of failing later on a missing table or column."""
    found, newest = current_revision(), newest_revision()
    _refuse_unknown(found)
    if found is None:
        raise SchemaError("the database has no tables yet: run `ecourse init` first")
    if found != newest:
        raise SchemaError(
            f"the database schema is at migration {found}, this ecourse needs {newest}: "
            "run `ecourse init` to upgrade it (back it up first with `ecourse backup FILE`)"
        )


def _refuse_unknown(found: str | None) -> None:
    if found is not None and found not in {
        script.revision for script in _scripts().walk_revisions()
    }:
        raise SchemaError(
            f"the database is at migration {found}, which this ecourse does not know: a newer "
            "version made it; install that version again, or restore a backup from before it"
        )


def _scripts() -> ScriptDirectory:
    return ScriptDirectory(str(bundled("migrations")))


def take_write_lock() -> None:
    """On SQLite, take the database's write lock before reading what will be changed.

    A transaction that reads first and writes later cannot be upgraded once another process
    has committed in between (SQLite answers "database is locked" at once, without waiting).
    Taking the lock first makes the reads fresh and the writes safe. PostgreSQL needs none of
    this: it locks rows (`FOR UPDATE`, `SKIP LOCKED`).
    """
    connection = db.session.connection()
    if (
        connection.dialect.name == "sqlite"
        and not connection.connection.dbapi_connection.in_transaction
    ):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
