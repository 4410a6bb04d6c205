"""A small blog written the Flask-SQLAlchemy way: the example of migration_guide.md.

Run it with ``flask --app examples.blog run`` from the repository root.
"""

from __future__ import annotations

from examples.blog.app import create_app

__all__ = ["create_app"]
