"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ecourse.db import UTCDateTime, db


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], (
        "a model changed without a migration: run `flask --app ecourse db migrate`"
    )


def test_sign_ups_pending_from_before_0004_are_forgotten_thirty_days_after_signing_up(tmp_path):
    """Upgrading a database of the version before: always a SQLite file of its own, since
    the shared test database is already at the newest version."""
    from datetime import UTC, datetime, timedelta

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from ecourse import create_app
    from ecourse.models import Subscriber
    from ecourse.resources import bundled

    url = f"sqlite:///{tmp_path / 'before.sqlite3'}"
    app = create_app({"DATABASE_URL": url, "DATA_DIR": str(tmp_path), "SECRET_KEY": "x"})
    signed_up = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
    with app.app_context():
        migrations = str(bundled("migrations"))
        upgrade(directory=migrations, revision="0003")
        table = sa.table(
            "subscriber",
            *(sa.column(name) for name in ("public_id", "email", "first_name", "status")),
            sa.column("created_at", UTCDateTime(timezone=True)),
            sa.column("confirmed_at", UTCDateTime(timezone=True)),
        )
        rows = [("wacht", "pending", None), ("actief", "active", signed_up)]
        with db.engine.begin() as connection:
            for name, status, confirmed in rows:
                connection.execute(
                    sa.insert(table).values(
                        public_id=name,
                        email=f"{name}@example.org",
                        first_name="",
                        status=status,
                        created_at=signed_up,
                        confirmed_at=confirmed,
                    )
                )
        upgrade(directory=migrations)
        found = {
            s.email: (s.forget_at, s.remind_at) for s in db.session.scalars(sa.select(Subscriber))
        }
        assert found == {
            "wacht@example.org": (signed_up + timedelta(days=30), None),
            "actief@example.org": (None, None),
        }
        db.session.remove()
        db.engine.dispose()
