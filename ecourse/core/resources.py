"""Find the folders that live beside the package in a checkout and inside it in a wheel."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # ecourse/, above ecourse/core/


def bundled(name: str) -> Path:
    """Return the project's top-level folder `name`, or the copy a built wheel carries."""
    inside_wheel = PACKAGE_DIR / "_bundled" / name
    if inside_wheel.is_dir():
        return inside_wheel
    return PACKAGE_DIR.parent / name
