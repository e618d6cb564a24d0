"""FastAPI app factory: routes, security headers, error handling, body limit, auth."""

import contextlib
import functools
import hashlib
import hmac
import logging
import os
import threading
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, HTTPException, Path as PathParam, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..corpus.pages import list_contradictions, list_series, series_page, story_page
from ..search import MAX_PAGE, MAX_PAGE_SIZE, QueryError, SearchQuery, parse_date, run
from ..store import Store, StoreBusy, is_busy, open_store

log = logging.getLogger("khazar.api")

MAX_BODY = 1_000_000  # bytes; one news article is a few kB, a whole book is not an article
# A search that runs longer is stopped (503): a page answers in well under a second on 100k articles.
REQUEST_SECONDS = float(os.environ.get("KHAZAR_REQUEST_SECONDS", "10"))
# How long a busy store is worth waiting for before asking again (Retry-After), and how often the
# background indexer looks for articles another writer queued.
RETRY_AFTER_SECONDS = 2
INDEX_EVERY_SECONDS = 2.0
WEB_DIR = Path(__file__).resolve().parent.parent / "web"

SECURITY_HEADERS = {
    # Everything the pages use is served by this app: no CDN, no inline script or style.
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
                                "form-action 'self'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class Stores:
    """One store per thread for the app's lifetime (FastAPI runs sync routes in a thread pool): a SQLite
    connection per thread, or a PostgreSQL connection per thread for a postgresql:// `db`."""

    def __init__(self, db: str):
        self.db = db
        self._local = threading.local()
        self._all: list[Store] = []
        self._lock = threading.Lock()
        with open_store(db) as store:  # create and migrate once, before any request
            try:
                store.index_pending()  # what others queued while no server ran (requests never index)
            except Exception as exc:
                if not is_busy(exc):
                    raise
                store.rollback()  # another process is writing: the background indexer catches up later

    def get(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is None:
            store = open_store(self.db)
            store.index_on_read = False  # a request never writes the index: the indexer thread does
            self._local.store = store
            with self._lock:
                self._all.append(store)
        return store

    @contextlib.contextmanager
    def indexer(self):
        """A thread that indexes what other writers queued without indexing it (anything but khazar's own
        ingest and POST, which index their articles before they commit), in small rounds that give way to
        a busy store and are tried again later."""
        stop = threading.Event()

        def run() -> None:
            store = None
            while not stop.wait(INDEX_EVERY_SECONDS):
                try:
                    store = store or open_store(self.db)
                    while not stop.is_set() and store.index_pending(limit=200):
                        pass
                except Exception as exc:  # busy or failing: the next round tries again
                    if store is not None:
                        store.rollback()
                    (log.debug if is_busy(exc) else log.warning)("background indexing: %s", exc)
            if store is not None:
                store.close()

        thread = threading.Thread(target=run, name="khazar-indexer", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            # A round still waiting on a lock is abandoned: the thread is a daemon and ends with the process.
            thread.join(timeout=5)

    def close(self) -> None:
        with self._lock:
            for s in self._all:
                try:
                    s.close()
                except Exception:  # a connection of a finished thread; nothing left to save
                    pass
            self._all.clear()


class ThreadStore:
    """Stands for "this thread's store": FastAPI may resolve a sync dependency on one pool thread and run
    the route on another, and a sqlite3 connection refuses use from a thread other than its creator's.
    Every call a route makes through it runs under the request time limit (StoreBusy past it)."""

    def __init__(self, stores: Stores):
        self._stores = stores

    def __getattr__(self, name: str) -> Any:
        store = self._stores.get()
        value = getattr(store, name)
        if not callable(value):
            return value

        @functools.wraps(value)
        def timed(*args: Any, **kwargs: Any) -> Any:
            try:
                with store.time_limit(REQUEST_SECONDS):
                    return value(*args, **kwargs)
            except Exception as exc:
                _raise_if_busy(exc)
                raise

        return timed


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, "status": status, **extra}, status_code=status)


def create_app(db: str, *, token: str | None = None) -> FastAPI:
    """The app over the store `db` (a SQLite file or a postgresql:// URL). Writes need `token` (default:
    $KHAZAR_TOKEN at creation); without one, every write is refused with 403."""
    token = token if token is not None else os.environ.get("KHAZAR_TOKEN") or None
    # The Swagger/ReDoc pages load their scripts from a CDN, which the CSP forbids: only the schema is served.
    stores = Stores(db)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        with stores.indexer():
            yield
        stores.close()

    app = FastAPI(title="khazar", version="0.1.0", docs_url=None, redoc_url=None, openapi_url="/openapi.json",
                  lifespan=lifespan,
                  description="Search and read Persian news turned into structured knowledge. See docs/api.md.")
    app.state.stores = stores

    thread_store = ThreadStore(stores)

    async def store() -> Any:
        return thread_store

    StoreDep = Annotated[Any, Depends(store)]

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        if request.url.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    def wants_html(request: Request) -> bool:
        return not (request.url.path.startswith("/api/") or request.url.path == "/openapi.json")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if wants_html(request):
            from ..web import render_error

            return render_error(request, exc.status_code, str(exc.detail))
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        problems = [{"where": ".".join(str(p) for p in e.get("loc", ()) if p != "query"), "problem": e.get("msg")}
                    for e in exc.errors()]
        message = "; ".join(f"{p['where']}: {p['problem']}" for p in problems) or "invalid request"
        if wants_html(request):
            from ..web import render_error

            where = "، ".join(f"«{p['where']}»" for p in problems if p["where"])
            return render_error(request, 400, f"مقدار {where} پذیرفتنی نیست." if where else "")
        return _error(422, message, problems=problems)

    @app.exception_handler(QueryError)
    async def query_error(request: Request, exc: QueryError):
        if wants_html(request):
            from ..web import render_error

            return render_error(request, 400, exc.fa)
        return _error(400, str(exc))

    @app.exception_handler(StoreBusy)
    async def busy(request: Request, exc: StoreBusy):
        # Lock contention or a request past its time limit: nothing changed, asking again later may work.
        # A handler of its own (not the catch-all below, which Starlette re-raises into the server).
        log.warning("busy on %s %s: %s", request.method, request.url.path, exc)
        if wants_html(request):
            from ..web import render_error

            response = render_error(request, 503, "")  # the page says it in Persian
        else:
            response = _error(503, str(exc))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception):
        # Logged with its traceback on the server; the client gets no internals.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        if wants_html(request):
            from ..web import render_error

            return render_error(request, 500, "")
        return _error(500, "internal error")

    # ----------------------------------------------------------------------------------------- API ----

    Page = Annotated[int, Query(ge=1, le=MAX_PAGE, description="1-based page number")]
    Size = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description=f"results per page (at most {MAX_PAGE_SIZE})")]
    Text = Annotated[str | None, Query(max_length=200)]

    def search_query(q: Annotated[str, Query(max_length=500)] = "",
                     date_from: Annotated[str | None, Query(alias="from", max_length=20,
                                                            description="Jalali 1404-08-27 or Gregorian 2025-11-18")] = None,
                     date_to: Annotated[str | None, Query(alias="to", max_length=20)] = None,
                     outlet: Text = None, entity: Text = None, topic: Text = None, story: Text = None,
                     sort: Annotated[str, Query(pattern="^(relevance|date)$")] = "relevance",
                     page: Page = 1, size: Size = 20) -> SearchQuery:
        return SearchQuery(q=q, date_from=parse_date(date_from, name="from"), date_to=parse_date(date_to, name="to"),
                           outlet=outlet or None, entity=entity or None, topic=topic or None, story=story or None,
                           sort=sort, page=page, size=size).validate()

    app.state.search_query = search_query

    @app.get("/api/search", tags=["search"])
    def api_search(st: StoreDep, sq: Annotated[SearchQuery, Depends(search_query)],
                   semantic: Annotated[bool, Query(description="rank by meaning (multilingual e5)")] = False):
        """Full-text search (Persian-normalised) with filters, facets and highlighted snippets."""
        page = _run(st, sq, semantic)
        return page.to_dict()

    @app.get("/api/articles/{article_id}", tags=["articles"])
    def api_article(st: StoreDep, article_id: Annotated[str, PathParam(max_length=300)]):
        article = st.get_article(article_id)
        if article is None:
            raise HTTPException(404, f"no article with id {article_id!r}")
        return article.to_dict()

    @app.get("/api/articles/{article_id}/raw", tags=["articles"])
    def api_article_raw(st: StoreDep, article_id: Annotated[str, PathParam(max_length=300)]):
        raw = st.get_raw(article_id)
        if raw is None:
            raise HTTPException(404, f"no article with id {article_id!r}")
        return {"id": article_id, "raw": raw}

    @app.get("/api/entities", tags=["entities"])
    def api_entities(st: StoreDep, q: Text = None, page: Page = 1, size: Size = 20):
        """Entities mentioned in stored articles (from the article_entities table filled at indexing)."""
        total, rows = st.list_entities(q or None, page, size)
        return {"total": total, "page": page, "size": size, "results": rows}

    @app.get("/api/entities/{entity_id:path}", tags=["entities"])
    def api_entity(st: StoreDep, entity_id: Annotated[str, PathParam(max_length=300)]):
        entity = st.get_entity(entity_id)
        if entity is None:
            raise HTTPException(404, f"no entity with id {entity_id!r}")
        return entity

    @app.get("/api/stories", tags=["stories"])
    def api_stories(st: StoreDep, page: Page = 1, size: Size = 20,
                    min_size: Annotated[int, Query(ge=1, le=100_000, description="at least this many articles")] = 1,
                    order: Annotated[str, Query(pattern="^(recent|size)$")] = "recent"):
        total, rows = st.list_stories(page, size, min_size, order)
        return {"total": total, "page": page, "size": size, "results": rows}

    @app.get("/api/stories/{story_id}", tags=["stories"])
    def api_story(st: StoreDep, story_id: Annotated[str, PathParam(max_length=300)]):
        """The story with its articles in time order, outlets, entities, event, quotes, contradictions."""
        story = story_page(st, story_id) or st.get_story(story_id)  # a store from before corpus_items
        if story is None:
            raise HTTPException(404, f"no story with id {story_id!r}")
        return story

    @app.get("/api/series", tags=["stories"])
    def api_series_list(st: StoreDep, page: Page = 1, size: Size = 20):
        return list_series(st, page, size)

    @app.get("/api/series/{series_id}", tags=["stories"])
    def api_series(st: StoreDep, series_id: Annotated[str, PathParam(max_length=300)]):
        """A recurring report: its articles over time and each figure as (date, value) points."""
        series = series_page(st, series_id)
        if series is None:
            raise HTTPException(404, f"no series with id {series_id!r}")
        return series

    @app.get("/api/contradictions", tags=["stories"])
    def api_contradictions(st: StoreDep, page: Page = 1, size: Size = 20):
        return list_contradictions(st, page, size)

    @app.get("/api/events", tags=["events"])
    def api_events(st: StoreDep, date_from: Annotated[str | None, Query(alias="from", max_length=20)] = None,
                   date_to: Annotated[str | None, Query(alias="to", max_length=20)] = None,
                   place: Text = None, type: Text = None, page: Page = 1, size: Size = 20):
        f, t = parse_date(date_from, name="from"), parse_date(date_to, name="to")
        if f and t and f > t:
            raise QueryError(f"from ({f}) is after to ({t})")
        total, rows = st.list_events(f, t, place or None, page, size, type or None)
        return {"total": total, "page": page, "size": size, "results": rows}

    @app.get("/api/quotes", tags=["quotes"])
    def api_quotes(st: StoreDep, speaker: Text = None,
                   q: Annotated[str | None, Query(max_length=200, description="words the quote contains")] = None,
                   page: Page = 1, size: Size = 20):
        """Quotes, newest first. `speaker`: a KB id, or a name — full, a surname, an alias or the English name
        all find the person — or a speaker's written name; each result has the sentence around it (context)."""
        from ..search import query_terms
        from ..search.query import speaker_ids

        speaker = (speaker or "").strip() or None
        total, rows = st.find_quotes(speaker_ids(speaker) if speaker else [], speaker, query_terms(q or ""), page, size)
        return {"total": total, "page": page, "size": size, "results": rows}

    @app.post("/api/articles", tags=["articles"], status_code=201,
              openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {
                  "type": "object", "required": ["text"],
                  "properties": {k: {"type": "string"} for k in
                                 ("id", "title", "text", "published", "source", "url", "category")}}}}}})
    async def api_ingest(request: Request):
        """Ingest one article in the news-JSONL shape. Needs `Authorization: Bearer $KHAZAR_TOKEN`."""
        if token is None:
            raise HTTPException(403, "writes are disabled: the server was started without KHAZAR_TOKEN")
        given = request.headers.get("authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), token.encode()):
            return JSONResponse({"error": "missing or wrong bearer token", "status": 401}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise HTTPException(415, f"Content-Type must be application/json, got {content_type or 'none'!r}")
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
            raise HTTPException(413, f"request body larger than {MAX_BODY} bytes")
        body = bytearray()
        async for chunk in request.stream():  # also bounds bodies sent without Content-Length
            body += chunk
            if len(body) > MAX_BODY:
                raise HTTPException(413, f"request body larger than {MAX_BODY} bytes")
        from ..ingest.jsonl import BadJSON, parse_json

        try:
            record = parse_json(body.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise HTTPException(400, f"body is not UTF-8: {exc.reason} at byte {exc.start}") from None
        except BadJSON as exc:
            raise HTTPException(400, f"body is not JSON: {exc}") from None
        from starlette.concurrency import run_in_threadpool

        # The store is taken inside the worker thread: a sqlite3 connection must stay in its thread.
        return await run_in_threadpool(lambda: _ingest(stores.get(), record, bytes(body)))

    # ----------------------------------------------------------------------------------------- web ----
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    from ..web import register_pages

    register_pages(app, store, search_query)
    return app


def _run(st: Store, sq: SearchQuery, semantic: bool):
    if semantic:
        from ..search.semantic import SemanticUnavailable

        try:
            return run(st, sq, semantic=True)
        except SemanticUnavailable as exc:
            raise HTTPException(501, str(exc)) from None
    return run(st, sq)


def _ingest(st: Store, record: Any, body: bytes) -> JSONResponse:
    """Check, process, store and index one record; the answer is built before the commit, and anything
    that fails on the way rolls the whole request back."""
    from ..ingest.jsonl import record_to_document
    from ..model import Rejection, id_problem
    from ..runner import safe_process

    fallback = "api-" + hashlib.sha256(body).hexdigest()[:16]
    raw = record_to_document(record, origin="api", line=None, fallback_id=fallback)
    if isinstance(raw, Rejection):
        return _error(422, raw.reason)
    problem = id_problem(raw.id)
    if problem:
        return _error(422, f"id: {problem}")
    if st.has_content(raw.content_hash):
        return JSONResponse({"stored": False, "reason": "duplicate: this content is already stored"}, status_code=200)
    article = safe_process(raw)
    if isinstance(article, Rejection):
        return _error(422, article.reason)
    try:
        if not st.add_article(article, raw):
            st.rollback()
            return JSONResponse({"stored": False, "reason": "duplicate: this content is already stored"},
                                status_code=200)
        response = JSONResponse({"stored": True, "id": article.id, "warnings": article.warnings}, status_code=201,
                                headers={"Location": "/api/articles/" + quote(article.id, safe="")})
        st.index_pending()
        st.commit()
    except BaseException as exc:
        st.rollback()
        _raise_if_busy(exc)
        raise
    return response


def _raise_if_busy(exc: BaseException) -> None:
    """A driver's lock time-out becomes StoreBusy (answered 503); the caller re-raises anything else."""
    if is_busy(exc) and not isinstance(exc, StoreBusy):
        raise StoreBusy("the store is busy with another writer; try again shortly") from exc
