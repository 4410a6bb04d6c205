"""One module per Flask-SQLAlchemy module, with the same name and public names.

``flask_sqlalchemy.X`` -> ``fss_compat.shims.X`` is a mechanical rewrite.
"""
