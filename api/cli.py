"""The `svcdir` command: serve, migrate, seed, reindex, create-user, housekeeping."""

import asyncio
from typing import Annotated

import typer
import uvicorn

from api import lifecycle
from api.config import get_settings
from api.errors import AppError
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
        # The app applies X-Forwarded-For itself, from TRUSTED_PROXIES only (api.main); uvicorn's own would trust
        # 127.0.0.1 (or FORWARDED_ALLOW_IPS) besides.
        proxy_headers=False,
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
    counts = asyncio.run(lifecycle.housekeeping(get_settings()))
    typer.echo(", ".join(f"{name.replace('_', ' ')}: {count}" for name, count in counts.items()))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
