"""Flask-SQLAlchemy extensions on fss_compat, with Flask-SQLAlchemy blocked (as if uninstalled).

Each extension runs in a subprocess whose ``import flask_sqlalchemy`` fails; ``conftest``
builds that interpreter. The app modules beside the tests are what a user's app would be
after the import swap; ``docs/extensions.md`` says what each extension needs.
"""
