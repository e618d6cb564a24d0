"""The HTTP app: a JSON API under /api and the server-rendered Persian web interface, one FastAPI app.

`create_app(db)` is what `khazar serve` runs. Reads use one SQLite connection per worker thread (sqlite3
connections must not cross threads); the only write is `POST /api/articles`, guarded by a bearer token.
"""
from .app import create_app

__all__ = ["create_app"]
