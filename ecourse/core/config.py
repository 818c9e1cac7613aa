"""Turn the declared settings into Flask configuration, creating the data folder as needed."""

from __future__ import annotations

import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from ecourse.core import settings as declared


def init_app(app: Flask, overrides: dict[str, Any] | None = None) -> None:
    values = declared.load(overrides=overrides)
    data_dir = Path(values["DATA_DIR"]).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    values["DATA_DIR"] = str(data_dir)
    values["DATABASE_URL"] = values["DATABASE_URL"] or f"sqlite:///{data_dir / 'ecourse.sqlite3'}"
    values["SECRET_KEY"] = values["SECRET_KEY"] or _generated_secret(data_dir)
    app.config["ECOURSE"] = values
    secure = values["BASE_URL"].startswith("https://")
    app.config.update(
        SECRET_KEY=values["SECRET_KEY"],
        SQLALCHEMY_DATABASE_URI=values["DATABASE_URL"],
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(values),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_NAME="ecourse",
        PERMANENT_SESSION_LIFETIME=timedelta(days=180),
        WTF_CSRF_TIME_LIMIT=None,  # the token is bound to the session; no surprise expiry
        RATELIMIT_STORAGE_URI=values["RATELIMIT_STORAGE_URL"],
        RATELIMIT_HEADERS_ENABLED=True,
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    logging.getLogger("ecourse").setLevel(values["LOG_LEVEL"].upper())


def _engine_options(values: dict[str, Any]) -> dict[str, Any]:
    """Room in the connection pool for every send thread (each keeps one during a pass),
    the main thread and the web threads."""
    senders = max(values["SMTP_CONCURRENCY"], values["HTTP_CONCURRENCY"])
    return {"pool_pre_ping": True, "pool_size": max(5, senders + 4), "max_overflow": 10}


def _generated_secret(data_dir: Path) -> str:
    """Generate a secret key once and keep it, so links stay valid across restarts.

    Written to a private temporary file and renamed into place, so a crash can never leave
    an empty key behind; an empty key is refused rather than used.
    """
    path = data_dir / "secret_key"
    if not path.exists():
        partial = data_dir / f".secret_key.{os.getpid()}"
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(48))
        os.replace(partial, path)
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < 32:
        raise RuntimeError(f"{path} holds no usable secret key; delete it to have a new one made")
    return key
