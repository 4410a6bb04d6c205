"""Speed of ``fss-compat scan`` on a generated Flask-SQLAlchemy codebase.

Run from the repository root (needs the ``migrate`` extra)::

    python -m benchmarks.scan_bench                  # 100,000 lines, every core
    python -m benchmarks.scan_bench --lines 20000 --jobs 1

The generated app is dense with legacy idioms: an ``ext`` module with ``db``, packages of
models (``db.Column`` fields, relationships, some dynamic, implicit table names, bind
keys), and views and services full of ``Model.query`` chains, ``db.session`` calls and the
404 helpers, importing the models across modules. Every module uses the database; a real
app has more modules that do not, which scan faster. The report gives lines, files,
seconds, lines per second, the number of sites found, and the worker count.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from fss_compat.codemod import runner

_MODEL = '''

class {name}(db.Model):
    """A generated model."""

    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200), nullable=False, index=True)
    body = db.Column(db.Text, default="")
    owner_id = db.Column(db.Integer, db.ForeignKey("user{pkg}.id"))
    created = db.Column(db.DateTime, server_default=db.func.now())
    owner = db.relationship("User{pkg}", backref=db.backref("{lower}s", lazy="dynamic"))

    def __repr__(self) -> str:
        return f"<{name} {{self.id}}>"
'''

_VIEW = '''

@bp.route("/{lower}/<int:item_id>")
def show_{lower}_{n}(item_id: int) -> str:
    """Show one {name}."""
    item = {name}.query.get_or_404(item_id)
    others = {name}.query.filter_by(owner_id=item.owner_id).order_by({name}.id.desc()).all()
    first = {name}.query.filter({name}.title.like("%a%")).first()
    total = {name}.query.filter({name}.id > item_id).count()
    owner = User{pkg}.query.join(User{pkg}.{lower}s).filter({name}.id == item_id).first()
    if first is None or owner is None:
        abort(404)
    page = db.paginate(db.select({name}).order_by({name}.id), page=1, per_page=20)
    rows = [
        {{"id": other.id, "title": other.title, "body": other.body[:20]}}
        for other in others
        if other.id != item.id
    ]
    return render(rows, page, total)


def update_{lower}_{n}(item_id: int, title: str) -> None:
    """Rename one {name}."""
    item = db.get_or_404({name}, item_id)
    item.title = title
    db.session.add(item)
    db.session.commit()
'''


def _models(pkg: int, count: int) -> str:
    parts = [
        '"""Generated models."""\n\nfrom __future__ import annotations\n\nfrom app.ext import db\n',
        f"\n\nclass User{pkg}(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n"
        f"    name = db.Column(db.String(80), unique=True)\n",
    ]
    for index in range(count):
        name = f"Item{pkg}x{index}"
        parts.append(_MODEL.format(name=name, pkg=pkg, lower=name.lower()))
    return "".join(parts)


def _views(pkg: int, count: int, repeat: int) -> str:
    names = [f"Item{pkg}x{index}" for index in range(count)]
    parts = [
        '"""Generated views."""\n\nfrom __future__ import annotations\n\n'
        "from flask import Blueprint\nfrom flask import abort\n\n"
        "from app.ext import db\n"
        f"from app.models{pkg} import User{pkg}\n",
        *(f"from app.models{pkg} import {name}\n" for name in names),
        '\nbp = Blueprint("views", __name__)\n\n\n'
        "def render(rows: object, page: object, total: int) -> str:\n"
        "    return str((rows, page, total))\n",
    ]
    for n in range(repeat):
        for name in names:
            parts.append(_VIEW.format(name=name, pkg=pkg, lower=name.lower(), n=n))
    return "".join(parts)


def generate(root: Path, lines: int) -> tuple[int, int]:
    """Write an app of about ``lines`` lines under ``root``; return (lines, files)."""
    app = root / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "ext.py").write_text("from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n")
    written, files, pkg = 3, 2, 0
    while written < lines:
        models = _models(pkg, 8)
        views = _views(pkg, 8, 2)
        (app / f"models{pkg}.py").write_text(models)
        (app / f"views{pkg}.py").write_text(views)
        written += models.count("\n") + views.count("\n")
        files += 2
        pkg += 1
    return written, files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=0, help="workers (default: every core)")
    args = parser.parse_args()
    jobs = args.jobs or runner.default_workers()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        lines, files = generate(root, args.lines)
        start = time.perf_counter()
        found = runner.scan([str(root / "app")], workers=jobs)
        seconds = time.perf_counter() - start
    assert not found.errors, found.errors
    print(
        f"scanned {lines} lines in {files} files: {seconds:.1f} s"
        f" ({lines / seconds:,.0f} lines/s) with {jobs} workers; {len(found.findings)} sites"
    )


if __name__ == "__main__":
    main()
