"""The application factory: lifespan, middleware, routers, error handlers."""

import asyncio
import functools
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api import metrics
from api.accounts.admin_routes import router as admin_router
from api.accounts.routes import router as accounts_router
from api.accounts.runtime import AccountsRuntime
from api.calendar import days as calendar_days
from api.calendar import health as calendar_health
from api.calendar.routes import router as calendar_router
from api.config import Settings, get_settings
from api.console import routes as console
from api.curation.content.routes import router as content_router
from api.curation.corrections.routes import router as corrections_router
from api.curation.feeds.routes import feed_router, keys_router
from api.curation.imports import routes as import_routes
from api.curation.imports.jobs import ImportRunner, fail_interrupted_at_start
from api.curation.imports.routes import router as import_router
from api.curation.places.routes import router as curation_router
from api.db import Database
from api.directory.routes import ROUTERS as directory_routers
from api.directory.service import REFERENCE_CHANNEL, forget_reference_names_once_replicated
from api.errors import RateLimitsUnavailable, install_error_handlers, problem_response
from api.feedback import photos, provisional
from api.feedback.photo_stores import storage_for as photo_storage_for
from api.feedback.routes import router as feedback_router
from api.feedback.routes import stats_router as feedback_stats_router
from api.feedback.triage_routes import router as triage_router
from api.housekeeping import housekeeping_loop
from api.listings import write_hooks
from api.notifications_bus import NotificationListener
from api.observability import ObservabilityMiddleware, configure_logging
from api.openapi import document_problems
from api.outages import install_outage_handlers, rate_limits_answer
from api.request_guards import BodyLimitMiddleware, QueryTextMiddleware
from api.samples import refuse_visible_samples
from api.search.routes import router as search_router
from api.search.sync.routes import router as sync_router
from api.textsearch.tokens import warm_up as warm_up_search

DESCRIPTION = """\
Public services of Shanghai for residents: elder-care centres, meal sites, parks, parking, toilets, community
health, health-science articles, city events and 一网通办 one-thing bundles. Errors are RFC 9457 problem+json
with a stable `code`; lists are cursor-paginated; `Accept-Language: en` gives English names where they exist.
"""


MAX_JSON_BODY_BYTES = 256 * 1024
# An answer this small travels in one TCP segment with its headers (MSS 1,460 bytes) whether compressed or not:
# gzip would cost both ends CPU (setting up the compressor is most of it, a sizeable share of a place detail's:
# bench/README.md) and save the phone nothing. Place details fit under it; list pages are compressed.
GZIP_MIN_BYTES = 1200
GC_YOUNG_THRESHOLD = 20_000


def _operation_id(route: APIRoute) -> str:
    return route.name


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)
    write_hooks.install()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database(settings)
        metrics.track_database(database)
        if settings.app_env == "production":
            # Here and not only in `svcdir serve`: uvicorn, gunicorn or any ASGI server started on the factory
            # must not serve sample data to residents as if it were real either.
            try:
                await refuse_visible_samples(database.sessionmaker)
            except BaseException:
                await database.dispose()
                await app.state.accounts.aclose()
                raise
        # jieba and pypinyin load here, so that no resident's request waits for their dictionaries.
        warm_up_search()
        # Their many long-lived objects would otherwise be walked by every full garbage collection (a stall far
        # longer than a request, landing on whichever requests are in flight: bench/README.md): set them aside.
        gc.collect()
        gc.freeze()
        # A request allocates thousands of short-lived containers; collecting the youngest generation every 700
        # of them spends more time than it frees (bench/README.md).
        gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 20)
        app.state.database = database
        # Imports left running by a process that stopped without marking them (a crash) are failed.
        await fail_interrupted_at_start(database)
        recount = functools.partial(provisional.recompute_in, app.state.database)
        await calendar_days.refresh(app.state.database, recount)
        calendar_refresh = asyncio.create_task(calendar_days.refresh_loop(app.state.database, on_years_changed=recount))
        driver_reads_sampler = asyncio.create_task(metrics.sample_driver_reads(app.state.database))
        housekeeping = None
        if settings.feedback_housekeeping_seconds:
            housekeeping = asyncio.create_task(
                housekeeping_loop(
                    app.state.database,
                    settings.feedback_housekeeping_seconds,
                    metrics.instance_name(settings),
                    app.state.photo_storage,
                )
            )
        # Caches kept per process forget their data when another instance changes it (PostgreSQL; none on SQLite).
        notifications = NotificationListener(
            settings.database_url,
            {
                REFERENCE_CHANNEL: functools.partial(forget_reference_names_once_replicated, app.state.database),
                calendar_days.CALENDAR_CHANNEL: functools.partial(calendar_days.refresh, app.state.database, recount),
            },
        )
        notifications.start()
        app.state.notifications = notifications
        try:
            yield
        finally:
            if housekeeping is not None:
                housekeeping.cancel()
            calendar_refresh.cancel()
            driver_reads_sampler.cancel()
            await notifications.aclose()
            await app.state.imports.aclose()
            await app.state.database.dispose()
            await app.state.accounts.aclose()
            metrics.worker_ends()

    app = FastAPI(
        title="Shanghai Service Directory",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    app.state.settings = settings
    metrics.mark_instance(settings)
    app.state.accounts = AccountsRuntime.from_settings(settings)
    app.state.photo_storage = photo_storage_for(settings)
    app.state.imports = ImportRunner()
    console_pages = console.install(app)
    install_error_handlers(app, pages=[console_pages])
    install_outage_handlers(app)
    # Level 5: nearly the size of level 9 at a fraction of the CPU on every list answer.
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES, compresslevel=5)
    # JSON bodies are small; photo uploads have room for one photo. Bigger bodies are a 413 before they are read.
    app.add_middleware(
        BodyLimitMiddleware,
        default_bytes=MAX_JSON_BODY_BYTES,
        per_path=[
            (r"/v1/feedback/\d+/photos", photos.MAX_BYTES + photos.MULTIPART_OVERHEAD_BYTES),
            (r"/v1/manage/imports", import_routes.MAX_UPLOAD_BYTES),
            (r"/console/imports", import_routes.MAX_UPLOAD_BYTES),
        ],
    )
    app.add_middleware(QueryTextMiddleware)
    app.add_middleware(ObservabilityMiddleware)
    # Outermost, so that everything inside sees the resident's address: from a trusted proxy, the nearest address
    # in X-Forwarded-For that is not itself a trusted proxy; from anyone else, the connection's own address.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_networks)

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], responses={503: {"description": "The database or Redis does not answer"}})
    async def readyz(request: Request) -> JSONResponse:
        try:
            await request.app.state.database.ping()
        except Exception:  # noqa: BLE001  (any failure to reach the database means not ready)
            return problem_response(503, "database_unavailable", "The database does not answer")
        if not await rate_limits_answer(request.app.state.accounts.limiter):
            return problem_response(503, RateLimitsUnavailable.code, RateLimitsUnavailable.title)
        ready = {"status": "ready", "calendar": calendar_health.readiness()}
        replica = request.app.state.database.replica
        if replica is not None:
            # Public reads fall back on the primary while it does not answer: reported, never unready.
            ready["read_replica"] = "in use" if await replica.probe() else "not answering: public reads on the primary"
        return JSONResponse(ready)

    app.add_route("/metrics", metrics.metrics_endpoint, include_in_schema=False)
    for router in directory_routers:
        app.include_router(router)
    app.include_router(search_router)
    app.include_router(sync_router)
    app.include_router(accounts_router)
    app.include_router(admin_router)
    # Before the places' routes: `/v1/manage/places/{place_id}` would take `/v1/manage/places/export`.
    app.include_router(import_router)
    app.include_router(curation_router)
    app.include_router(corrections_router)
    app.include_router(feed_router)
    app.include_router(keys_router)
    app.include_router(content_router)
    app.include_router(feedback_router)
    app.include_router(feedback_stats_router)
    app.include_router(triage_router)
    app.include_router(calendar_router)
    document_problems(app)
    return app
