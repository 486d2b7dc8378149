"""The `svcdir` command: serve, migrate, seed, withdraw-samples, reindex, create-user, housekeeping, calendar."""

import asyncio
import os
import socket
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from api import lifecycle, metrics
from api.config import get_settings
from api.errors import AppError
from api.observability import configure_logging
from api.samples import SampleDataInProduction

WORKER_HEALTHCHECK_SECONDS = 30

app = typer.Typer(help="Shanghai Service Directory", no_args_is_help=True, add_completion=False)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default: HOST or 127.0.0.1.")] = None,
    port: Annotated[int | None, typer.Option(help="Default: PORT or 8000.")] = None,
    workers: Annotated[int | None, typer.Option(help="Default: WORKERS or 1.")] = None,
) -> None:
    """Migrate and seed the database (unless AUTO_MIGRATE/AUTO_SEED are off), then serve the API."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    try:
        lifecycle.prepare_database(settings)
    except SampleDataInProduction as refusal:
        typer.echo(f"error: {refusal}", err=True)
        raise typer.Exit(code=2) from refusal
    port = port or settings.port
    workers = workers or settings.workers
    if not settings.instance_name:
        # The workers (and this process's app, with one worker) read their settings anew: they label /metrics so.
        os.environ["INSTANCE_NAME"] = f"{socket.gethostname()}:{port}"
        get_settings.cache_clear()
    # Several workers write their metrics to files that /metrics adds up: set before they start and import them.
    metrics_dir = metrics.prepare_multiprocess_dir(settings) if workers > 1 else None
    try:
        _run(host or settings.host, port, workers, settings.log_level)
    finally:
        if metrics_dir is not None:
            metrics.remove_multiprocess_dir(metrics_dir, settings)


def _run(host: str, port: int, workers: int, log_level: str) -> None:
    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # The app applies X-Forwarded-For itself, from TRUSTED_PROXIES only (api.main); uvicorn's own would trust
        # 127.0.0.1 (or FORWARDED_ALLOW_IPS) besides.
        proxy_headers=False,
        log_level=log_level.lower(),
        # The app's logging (api.observability) renders uvicorn's lines too, as JSON when LOG_JSON is set.
        log_config=None,
        # A worker loading the search dictionaries at start on a busy machine answers the supervisor's ping late;
        # killed after uvicorn's default wait it would be started again and again, never serving.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )


@app.command()
def migrate(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply migrations up to REVISION (default head) on DATABASE_URL."""
    settings = get_settings()
    asyncio.run(lifecycle.migrate_in_turn(settings.database_url, revision))
    typer.echo(f"migrated to {revision}")


@app.command()
def seed(force: Annotated[bool, typer.Option(help="Reload even when this seed is already loaded.")] = False) -> None:
    """Load reference data and sample listings (idempotent: a second run changes nothing)."""
    settings = get_settings()
    report = asyncio.run(lifecycle.seed_in_turn(settings, force=force))
    if report.skipped:
        typer.echo("seed already loaded; nothing to do (use --force to compare row by row)")
        return
    for table in report.inserted:
        typer.echo(f"{table:15} inserted {report.inserted[table]:5}  updated {report.updated[table]:5}")


@app.command("withdraw-samples")
def withdraw_samples() -> None:
    """Delete every sample listing, event, article and bundle residents can see (before serving production)."""
    counts = asyncio.run(lifecycle.withdraw_sample_data(get_settings()))
    typer.echo("withdrawn: " + ", ".join(f"{count} {kind}" for kind, count in counts.items()))


@app.command()
def reindex() -> None:
    """Rebuild the search index from every listing (it otherwise follows each write by itself)."""
    settings = get_settings()
    counts = asyncio.run(lifecycle.reindex(settings))
    typer.echo(f"indexed {counts['place']} places and {counts['content']} events, articles and bundles")


@app.command("create-user")
def create_user(
    username: Annotated[str, typer.Option(help="3–64 characters: a-z, 0-9, '.', '_', '-'.")],
    role: Annotated[str, typer.Option(help="operator, reviewer or admin.")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="SVCDIR_PASSWORD",
            help="8–128 characters, not a common one (asked for when not given).",
        ),
    ],
    district: Annotated[
        list[str] | None, typer.Option(help="A district code an operator may curate (repeat for more).")
    ] = None,
    display_name: Annotated[str | None, typer.Option(help="Shown to colleagues.")] = None,
) -> None:
    """Create a staff account (the first admin, then operators and reviewers)."""
    settings = get_settings()
    try:
        user_id = asyncio.run(
            lifecycle.create_staff_user(
                settings,
                username=username,
                password=password,
                role=role,
                districts=district or [],
                display_name=display_name,
            )
        )
    except AppError as error:
        typer.echo(f"error: {error.detail}", err=True)
        raise typer.Exit(code=2) from error
    typer.echo(f"created {role} {username.strip().lower()} (id {user_id})")


@app.command()
def housekeeping() -> None:
    """Close feedback resolved over 7 days ago without a rating; delete stale sign-in codes, idempotency keys and
    expired refresh tokens (each worker also does this every FEEDBACK_HOUSEKEEPING_SECONDS)."""
    outcome = asyncio.run(lifecycle.housekeeping(get_settings()))
    if isinstance(outcome, lifecycle.Skipped):
        typer.echo(f"skipped: {outcome.reason}")
        return
    typer.echo(", ".join(f"{name.replace('_', ' ')}: {count}" for name, count in outcome.items()))


calendar_app = typer.Typer(help="The statutory holiday calendar: load a year's schedule, show what is known.")
app.add_typer(calendar_app, name="calendar")


@calendar_app.command("load")
def calendar_load(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A .json or .csv schedule (README).")],
    source: Annotated[
        str | None, typer.Option(help="The notice the days come from (required for CSV; JSON names its own).")
    ] = None,
) -> None:
    """Load (or replace) the years in FILE: checked, audited, provisional deadlines recomputed; running servers
    use it within a minute."""
    try:
        loaded = asyncio.run(lifecycle.load_calendar(get_settings(), file, source=source))
    except AppError as error:
        typer.echo(f"error: {error.detail}", err=True)
        for problem in error.errors or []:
            typer.echo(f"  {'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}", err=True)
        raise typer.Exit(code=2) from error
    for year in loaded:
        verb = "replaced" if year.replaced else "loaded"
        typer.echo(
            f"{verb} {year.year}: {year.holidays} holidays, {year.workdays} make-up workdays; "
            f"{year.deadlines_recomputed} provisional deadlines recomputed"
        )


@calendar_app.command("show")
def calendar_show(year: Annotated[int | None, typer.Option(help="List this year's days.")] = None) -> None:
    """The years known, how far ahead the calendar reaches, and (with --year) that year's days."""
    answer = asyncio.run(lifecycle.show_calendar(get_settings(), year))
    for known in answer["years"]:
        typer.echo(
            f"{known['year']}  {known['holidays']:3} holidays  {known['workdays']:2} make-up workdays  "
            f"loaded {known['loaded_at']:%Y-%m-%d %H:%M}  {known['source']}"
        )
    typer.echo(f"covered until: {answer['covered_until'] or 'this year is unknown'}")
    if year is not None:
        for day in answer["days"]:
            typer.echo(f"{day['date']}  {day['kind']:7}  {day['name'] or ''}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
