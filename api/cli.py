"""The `svcdir` command: serve, migrate, seed, reindex."""

import asyncio
from typing import Annotated

import typer
import uvicorn

from api import lifecycle
from api.config import get_settings
from api.observability import configure_logging

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
    lifecycle.prepare_database(settings)
    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        proxy_headers=True,
        log_level=settings.log_level.lower(),
    )


@app.command()
def migrate(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply migrations up to REVISION (default head) on DATABASE_URL."""
    settings = get_settings()
    lifecycle.migrate(settings.database_url, revision)
    typer.echo(f"migrated to {revision}")


@app.command()
def seed(force: Annotated[bool, typer.Option(help="Reload even when this seed is already loaded.")] = False) -> None:
    """Load reference data and sample listings (idempotent: a second run changes nothing)."""
    settings = get_settings()
    report = asyncio.run(lifecycle.seed(settings, force=force))
    if report.skipped:
        typer.echo("seed already loaded; nothing to do (use --force to compare row by row)")
        return
    for table in report.inserted:
        typer.echo(f"{table:15} inserted {report.inserted[table]:5}  updated {report.updated[table]:5}")


@app.command()
def reindex() -> None:
    """Rebuild the search index from every listing (it otherwise follows each write by itself)."""
    settings = get_settings()
    counts = asyncio.run(lifecycle.reindex(settings))
    typer.echo(f"indexed {counts['place']} places and {counts['content']} events, articles and bundles")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
