"""The ``fss-compat`` tool: scan for Flask-SQLAlchemy idioms and migrate them.

Needs the optional extra: ``pip install "fss-compat[migrate]"`` (libcst). ``cli.py`` is the
command line; ``runner.py`` runs the passes on every core; ``engine.py`` is one pass over
one module; ``project.py`` joins what every module defines; each ``rules_*.py`` is one rule
family of the catalogue in :mod:`fss_compat.legacy`.
"""
