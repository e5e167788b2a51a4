"""``exportguard serve``, ``db upgrade``, ``users create|list`` and ``audit verify``."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from exportguard.cli.app import app

console = Console()
errors = Console(stderr=True)

db_app = typer.Typer(help="Database schema: create or upgrade the tables (Alembic migrations).", no_args_is_help=True)
users_app = typer.Typer(help="API users and their keys.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="SQLAlchemy URL; default EXPORTGUARD_DATABASE_URL, else ./exportguard.db"),
]


class Role(StrEnum):
    analyst = "analyst"
    reviewer = "reviewer"
    admin = "admin"


class Format(StrEnum):
    table = "table"
    json = "json"


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    database_url: DatabaseUrl = None,
    migrate: Annotated[bool, typer.Option(help="Upgrade the schema before starting.")] = True,
    workers: Annotated[int, typer.Option(min=1, max=32, help="Server processes (one per core is typical).")] = 1,
) -> None:
    """Start the REST API (OpenAPI docs at /docs). Create the first admin with `exportguard users create`."""
    import os

    import uvicorn

    from exportguard.cli.serving import AnnouncingServer
    from exportguard.store.base import DATABASE_URL_ENV
    from exportguard.store.base import database_url as resolve
    from exportguard.store.migrate import upgrade

    os.environ[DATABASE_URL_ENV] = resolve(database_url)  # worker processes read the URL from here
    if migrate:
        upgrade(database_url)
    address = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    announce = f"exportguard listening on {address}: console at {address}/console, API docs at {address}/docs"
    options = {"factory": True, "host": host, "port": port, "log_level": "warning", "access_log": False}
    if workers > 1:  # uvicorn's supervisor binds the socket before it starts the workers
        console.print(f"{announce} ({workers} workers)")
        uvicorn.run("exportguard.api.app:served_app", workers=workers, **options)  # type: ignore[arg-type]
        return
    AnnouncingServer(uvicorn.Config("exportguard.api.app:served_app", **options), announce).run()  # type: ignore[arg-type]


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseUrl = None) -> None:
    """Create missing tables and apply every pending migration."""
    from exportguard.store.base import database_url as resolve
    from exportguard.store.migrate import upgrade

    upgrade(database_url)
    console.print(f"Schema up to date: {_redacted(resolve(database_url))}")


@users_app.command("create")
def users_create(
    name: Annotated[str, typer.Argument(help="Login name, e.g. alice or erp-service.")],
    role: Annotated[Role, typer.Option(help="analyst: screen, determine, draft; reviewer: decide; admin: all.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Add a user and print their API key (shown only this once; only a salted hash is stored)."""
    from exportguard.store.base import make_engine, session_factory
    from exportguard.store.users import UserError, create_user
    from exportguard.store.writes import write_transaction

    try:
        with write_transaction(session_factory(make_engine(database_url))) as session:
            user, key = create_user(session, name, role.value, actor="cli")
    except UserError as error:
        errors.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    console.print(f"Created {user.role} {user.name!r}. API key (store it now, it is not shown again):")
    typer.echo(key)


@users_app.command("deactivate")
def users_deactivate(
    name: Annotated[str, typer.Argument(help="The user to switch off.")], database_url: DatabaseUrl = None
) -> None:
    """Switch a user off; their API keys stop working within 30 seconds. The user stays in the audit trail."""
    from exportguard.store.base import make_engine, session_factory
    from exportguard.store.users import UserError, deactivate_user
    from exportguard.store.writes import write_transaction

    try:
        with write_transaction(session_factory(make_engine(database_url))) as session:
            deactivate_user(session, name, actor="cli")
    except UserError as error:
        errors.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    console.print(f"Deactivated {name!r}.")


@users_app.command("rotate-key")
def users_rotate_key(
    name: Annotated[str, typer.Argument(help="The user whose key may have leaked.")], database_url: DatabaseUrl = None
) -> None:
    """Revoke every key of the user, end their console sessions and print a new key (shown only this once).
    A running server stops accepting the old keys within 30 seconds."""
    from exportguard.store.base import make_engine, session_factory
    from exportguard.store.users import UserError, rotate_key
    from exportguard.store.writes import write_transaction

    try:
        with write_transaction(session_factory(make_engine(database_url))) as session:
            key = rotate_key(session, name, actor="cli")
    except UserError as error:
        errors.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    console.print(f"Rotated {name!r}'s key; the old ones are revoked. New API key (store it now):")
    typer.echo(key)


@users_app.command("list")
def users_list(database_url: DatabaseUrl = None, format: Format = Format.table) -> None:
    """Every user with their role."""
    from exportguard.store.base import make_engine, session_factory
    from exportguard.store.users import list_users

    with session_factory(make_engine(database_url))() as session:
        rows = [{"id": u.id, "name": u.name, "role": u.role, "active": u.active} for u in list_users(session)]
    if format is Format.json:
        typer.echo(json.dumps(rows))
        return
    table = Table("id", "name", "role", "active")
    for row in rows:
        table.add_row(*(str(value) for value in row.values()))
    console.print(table)


@audit_app.command("verify")
def audit_verify(
    database_url: DatabaseUrl = None,
    anchor: Annotated[list[Path] | None, typer.Option(
        "--anchor", exists=True, dir_okay=False,
        help="A head exported earlier with `audit export` (repeatable); the chain must still contain it.")] = None,
) -> None:
    """Recompute every audit record's hash and signature and compare the newest with the checkpoint kept
    outside the database; exit 1 naming the first record where the chain breaks (edited, deleted, emptied
    or recomputed)."""
    from exportguard.store.anchor import Checkpoint
    from exportguard.store.audit import verify_chain
    from exportguard.store.base import make_engine, session_factory

    try:
        anchors = tuple(Checkpoint.from_json(path.read_text()) for path in anchor or ())
    except (ValueError, KeyError) as error:
        errors.print(f"[red]not an exported audit head:[/red] {error}")
        raise typer.Exit(2) from error
    with session_factory(make_engine(database_url))() as session:
        report = verify_chain(session, anchors)
    if report.ok:
        anchored = f"; head matches the checkpoint at record {report.anchored_at}" if report.anchored_at else \
            "; no checkpoint for this database yet"
        legacy = f" ({report.unsigned} from before signing)" if report.unsigned else ""
        console.print(f"[green]Audit chain intact:[/green] {report.checked} records verified{legacy}{anchored}.")
        return
    errors.print(f"[red]Audit chain broken at record {report.first_broken_id}[/red]: {report.problem} "
                 f"({report.checked} records before it verified).")
    raise typer.Exit(1)


@audit_app.command("export")
def audit_export(
    database_url: DatabaseUrl = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here (0600) instead of stdout.")]
    = None,
) -> None:
    """Print the signed chain head (newest record id and hash) for keeping offsite — a ticket, an email, a
    write-once store. `audit verify --anchor FILE` later proves the chain still contains it. The chain
    is verified first: a broken chain is not exported."""
    from exportguard.store.anchor import private_file
    from exportguard.store.audit import head, verify_chain
    from exportguard.store.base import make_engine, session_factory

    with session_factory(make_engine(database_url))() as session:
        report = verify_chain(session)
        newest = head(session) if report.ok else None
    if not report.ok:
        errors.print(f"[red]Audit chain broken at record {report.first_broken_id}[/red]: {report.problem}")
        raise typer.Exit(1)
    if newest is None:
        errors.print("[red]the audit log is empty: nothing to export[/red]")
        raise typer.Exit(1)
    if output is None:
        typer.echo(newest.to_json())
    else:
        private_file(output, newest.to_json().encode())
        console.print(f"Exported the head (record {newest.record_id}) to {output}")


def _redacted(url: str) -> str:
    """The URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
