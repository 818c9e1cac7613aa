"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ecourse.core.db import UTCDateTime, db


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], (
        "a model changed without a migration: run `flask --app ecourse db migrate`"
    )


def test_sign_ups_pending_from_before_0004_are_forgotten_thirty_days_after_signing_up(tmp_path):
    """Upgrading a database of the version before: always a SQLite file of its own, since
    the shared test database is already at the newest version. (Since 0005 the moment
    belongs to the sign-up, so the test follows it there.)"""
    from datetime import UTC, datetime, timedelta

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from ecourse import create_app
    from ecourse.core.models import Consent
    from ecourse.core.resources import bundled

    url = f"sqlite:///{tmp_path / 'before.sqlite3'}"
    app = create_app({"DATABASE_URL": url, "DATA_DIR": str(tmp_path), "SECRET_KEY": "x"})
    signed_up = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
    with app.app_context():
        migrations = str(bundled("migrations"))
        upgrade(directory=migrations, revision="0003")
        _release_0003_rows(signed_up)
        upgrade(directory=migrations)
        found = {
            c.subscriber.email: (c.forget_at, c.remind_at)
            for c in db.session.scalars(sa.select(Consent))
        }
        assert found == {
            "wacht@example.org": (signed_up + timedelta(days=30), None),
            "actief@example.org": (None, None),
        }
        db.session.remove()
        db.engine.dispose()


def _release_0003_rows(signed_up) -> None:
    import sqlalchemy as sa

    subscriber = sa.table(
        "subscriber",
        *(sa.column(name) for name in ("id", "public_id", "email", "first_name", "status")),
        sa.column("created_at", UTCDateTime(timezone=True)),
        sa.column("confirmed_at", UTCDateTime(timezone=True)),
    )
    texts = ("description", "language", "send_time", "skip_weekdays", "sender_name")
    course = sa.table(
        "course",
        *(sa.column(name) for name in ("id", "slug", "title", "timezone", "cta_url", "cta_text")),
        *(sa.column(name) for name in texts),
        sa.column("updated_at", UTCDateTime(timezone=True)),
    )
    consent = sa.table(
        "consent",
        *(sa.column(name) for name in ("subscriber_id", "course_id", "text", "text_hash")),
        *(sa.column(name) for name in ("source_url", "ip_address", "user_agent")),
        sa.column("created_at", UTCDateTime(timezone=True)),
    )
    rows = [(1, "wacht", "pending", None), (2, "actief", "active", signed_up)]
    with db.engine.begin() as connection:
        connection.execute(
            sa.insert(course).values(
                id=1,
                slug="c",
                title="C",
                timezone="Europe/Amsterdam",
                updated_at=signed_up,
                **dict.fromkeys(("cta_url", "cta_text", *texts), ""),
            )
        )
        for number, name, status, confirmed in rows:
            connection.execute(
                sa.insert(subscriber).values(
                    id=number,
                    public_id=name,
                    email=f"{name}@example.org",
                    first_name="",
                    status=status,
                    created_at=signed_up,
                    confirmed_at=confirmed,
                )
            )
            connection.execute(
                sa.insert(consent).values(
                    subscriber_id=number,
                    course_id=1,
                    text="ja",
                    text_hash="x",
                    created_at=signed_up,
                    **dict.fromkeys(("source_url", "ip_address", "user_agent"), ""),
                )
            )
