"""``exportguard lists update|versions|diff``, ``customers import`` and ``rescreen``: continuous screening."""

from __future__ import annotations

import csv
import getpass
import json
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from exportguard.cli.app import app

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from exportguard.lists.model import ListSnapshot

console = Console()
errors = Console(stderr=True)
lists_app = typer.Typer(help="Restricted-party list versions: load a new file, list versions, diff two.",
                        no_args_is_help=True)
customers_app = typer.Typer(help="The customer master screened on every list change.", no_args_is_help=True)
app.add_typer(lists_app, name="lists")
app.add_typer(customers_app, name="customers")

DatabaseUrl = Annotated[str | None, typer.Option(
    "--database-url", help="SQLAlchemy URL; default EXPORTGUARD_DATABASE_URL, else ./exportguard.db")]
Actor = Annotated[str | None, typer.Option(help="Who is doing this, for the audit log (default: your login).")]
MAX_CUSTOMER_ROWS = 10_000_000


class ListFormat(StrEnum):
    csl = "csl"
    sdn = "sdn"
    el = "el"
    cn = "cn"


class Format(StrEnum):
    table = "table"
    json = "json"


OutputFormat = Annotated[Format, typer.Option("--format", help="table for people, json for machines.")]


def _sessions(database_url: str | None) -> sessionmaker[Session]:
    from exportguard.store.base import make_engine, session_factory
    from exportguard.store.migrate import upgrade

    upgrade(database_url)
    return session_factory(make_engine(database_url))


def _loader(list_format: ListFormat) -> Callable[[Path], ListSnapshot]:
    from exportguard.lists import cn_sanctions, csl, ecfr_entity_list, ofac_sdn

    return {ListFormat.csl: csl.load, ListFormat.sdn: ofac_sdn.load, ListFormat.el: ecfr_entity_list.load,
            ListFormat.cn: cn_sanctions.load}[list_format]


def _emit(data: Any, output: Format, table: Table | None = None) -> None:
    if output is Format.json:
        typer.echo(json.dumps(data, indent=2, default=str))
    elif table is not None:
        console.print(table)


@lists_app.command("update")
def update(
    file: Annotated[Path, typer.Argument(exists=True, help="The list file (or a directory with OFAC sdn.csv).")],
    list_format: Annotated[ListFormat, typer.Option("--format", help="csl (trade.gov consolidated.csv), "
                                                    "sdn (raw OFAC sdn.csv [+alt.csv, add.csv]), el (eCFR JSON), "
                                                    "cn (China's counter-lists, OpenSanctions cn_sanctions.csv).")]
    = ListFormat.csl,
    max_drop: Annotated[float, typer.Option(min=0, max=1, help="Refuse a file dropping more than this share "
                                            "of the current entries (a truncated download).")] = 0.10,
    database_url: DatabaseUrl = None,
    actor: Actor = None,
    output: Annotated[Format, typer.Option("--output", help="table or json.")] = Format.table,
) -> None:
    """Load a new list file as a new version. A malformed or truncated file is refused; the current stays."""
    from exportguard.lists.errors import ListFormatError
    from exportguard.lists.versions import VersionRefused
    from exportguard.store.base import transaction
    from exportguard.store.list_store import record_version

    try:
        snapshot = _loader(list_format)(file)
        with transaction(_sessions(database_url)) as session:
            outcome = record_version(session, snapshot, actor or getpass.getuser(), max_drop)
    except (ListFormatError, VersionRefused) as exc:
        errors.print(f"[red]Refused:[/red] {exc}")
        raise typer.Exit(1) from exc
    summary = {"version": outcome.version_id, "entries": snapshot.version.party_count,
               "already_loaded": outcome.already_loaded, **(outcome.changes.summary() if outcome.changes else {})}
    if output is Format.json:
        _emit(summary, output)
    else:
        console.print(", ".join(f"{key}: {value}" for key, value in summary.items()))


@lists_app.command("versions")
def list_versions(database_url: DatabaseUrl = None, output: OutputFormat = Format.table) -> None:
    """Every loaded list version, newest first; * marks the ones in force."""
    from exportguard.store.list_store import versions

    with _sessions(database_url)() as session:
        rows = [{"id": v.id, "source": v.source, "file": v.file_name, "entries": v.party_count,
                 "loaded_at": v.loaded_at, "loaded_by": v.loaded_by, "current": v.current} for v in versions(session)]
    table = Table("", "version", "file", "entries", "loaded", "by")
    for row in rows:
        table.add_row("*" if row["current"] else "", str(row["id"]), str(row["file"]), str(row["entries"]),
                      str(row["loaded_at"])[:19], str(row["loaded_by"]))
    _emit(rows, output, table)


@lists_app.command("diff")
def diff_versions(
    old: Annotated[str, typer.Argument(help="Old version: an id from `lists versions` (or a unique prefix of one), "
                                       "or SOURCE@previous, e.g. csl@previous.")],
    new: Annotated[str, typer.Argument(help="New version, likewise; SOURCE@current is the one in force.")],
    database_url: DatabaseUrl = None, output: OutputFormat = Format.table,
    limit: Annotated[int, typer.Option(min=0, help="Entries shown per kind (table).")] = 20,
) -> None:
    """Added, removed and modified entries between two stored versions of the same list, with the old and
    new value of every changed field.

    Example: exportguard lists diff csl@previous csl@current
    """
    from exportguard.lists.versions import NotComparable, diff
    from exportguard.store.list_store import resolve_version, snapshot_of

    with _sessions(database_url)() as session:
        records = [resolve_version(session, reference) for reference in (old, new)]
        if records[0] is None or records[1] is None:
            errors.print(f"[red]Unknown version[/red]: {old if records[0] is None else new} "
                         "(see `exportguard lists versions`)")
            raise typer.Exit(2)
        try:
            changes = diff(snapshot_of(session, records[0]), snapshot_of(session, records[1]))
        except NotComparable as exc:
            errors.print(f"[red]Refused:[/red] {exc}")
            raise typer.Exit(2) from exc
    data = diff_json(changes)
    table = Table("change", "entry", "name", "old → new")
    for kind in ("added", "removed", "modified"):
        for entry in data[kind][:limit]:
            detail = "; ".join(f"{c['field']}: {_short(c['old'])} → {_short(c['new'])}" for c in entry.get("changes", []))
            table.add_row(kind, entry["key"], entry["name"], detail)
    _emit(data, output, table)
    if output is Format.table:
        console.print(changes.summary())


def diff_json(changes: Any) -> dict[str, list[dict[str, Any]]]:
    """A :class:`ListDiff` as JSON: keys and names; for modified entries each changed field, old and new."""
    return {
        "added": [{"key": p.key, "name": p.name} for p in changes.added],
        "removed": [{"key": p.key, "name": p.name} for p in changes.removed],
        "modified": [{"key": m.new.key, "name": m.new.name, "fields": list(m.fields),
                      "changes": [{"field": f, "old": _plain(o), "new": _plain(n)} for f, o, n in m.changes]}
                     for m in changes.modified],
    }


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _short(value: Any, width: int = 60) -> str:
    text = "; ".join(map(str, value)) if isinstance(value, list | tuple) else str(value or "—")
    return text if len(text) <= width else text[: width - 1] + "…"


@customers_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, help="CSV with columns id (or customer_id), name "
                                         "[,country][,address].")],
    database_url: DatabaseUrl = None, actor: Actor = None, output: OutputFormat = Format.table,
) -> None:
    """Add or update customers by their id (your ERP's reference); screened at the next `rescreen`.

    Rows without an id or a name are reported and skipped; the others are imported.
    """
    from exportguard.store.base import transaction
    from exportguard.store.customer_store import import_customers

    rows, skipped = _customer_rows(file)
    for line, problem in skipped:
        errors.print(f"[yellow]{file.name}, row {line}[/yellow]: {problem}; skipped")
    if not rows:
        errors.print(f"[red]{file.name}[/red]: no customer to import")
        raise typer.Exit(1)
    with transaction(_sessions(database_url)) as session:
        added, updated = import_customers(session, rows, actor or getpass.getuser())
    _emit({"added": added, "updated": updated, "skipped": [{"row": line, "error": e} for line, e in skipped]},
          output)
    if output is Format.table:
        console.print(f"{added} customers added, {updated} updated, {len(skipped)} rows skipped")


def _first_run_lists(session: Session, actor: str) -> None:
    """With no list loaded yet, the bundled lists become the first versions, as `screen` uses them too."""
    from exportguard.lists.bundled import bundled_snapshots
    from exportguard.store.list_store import record_version, versions

    if not versions(session):
        for snapshot in bundled_snapshots():
            errors.print(f"no list loaded yet: loading the bundled {snapshot.version.file_name} "
                         f"({snapshot.version.party_count:,} entries); newer lists: `exportguard lists update FILE`")
            record_version(session, snapshot, actor)


def _customer_rows(file: Path) -> tuple[list[Any], list[tuple[int, str]]]:
    from exportguard.batch.runner import Customer

    rows: list[Customer] = []
    skipped: list[tuple[int, str]] = []
    with file.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = set(reader.fieldnames or ())
        id_column = "id" if "id" in columns or "customer_id" not in columns else "customer_id"
        missing = {id_column, "name"} - columns
        if missing:
            errors.print(f"[red]{file.name}[/red]: missing column(s) {', '.join(sorted(missing))}")
            raise typer.Exit(1)
        for line, row in enumerate(reader, start=2):
            if line > MAX_CUSTOMER_ROWS + 1:
                errors.print(f"[red]{file.name}[/red]: more than {MAX_CUSTOMER_ROWS:,} rows; split the file")
                raise typer.Exit(1)
            if not (row[id_column] or "").strip() or not (row["name"] or "").strip():
                skipped.append((line, f"{id_column} and name are required"))
                continue
            country = (row.get("country") or "").strip().upper() or None
            rows.append(Customer(row[id_column].strip(), row["name"].strip(), country, row.get("address") or None))
    return rows, skipped


class HitStatus(StrEnum):
    new = "new"
    open = "open"
    cleared = "cleared"
    retired = "retired"


@app.command("hits")
def hits_command(
    status: Annotated[HitStatus, typer.Option(help="new: to review; open: confirmed matches; cleared: false "
                                              "positives; retired: the entry left the list.")] = HitStatus.new,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many, best score first.")] = 50,
    database_url: DatabaseUrl = None, output: OutputFormat = Format.table,
) -> None:
    """The review queue after `rescreen`: stored customers' hits by status, best score first."""
    from exportguard.store.customer_store import hit_queue

    with _sessions(database_url)() as session:
        queue = hit_queue(session, status.value, limit)
    table = Table("hit", "customer", "name", "country", "list", "matched name", "listed at", "score",
                  title=f"{len(queue)} {status.value} hits" + (" (more with --limit)" if len(queue) == limit else ""))
    rows = []
    for q in queue:
        address = q.entry.addresses[0] if q.entry and q.entry.addresses else None
        countries = list(q.entry.countries) if q.entry else []
        rows.append({"hit": q.hit.id, "customer": q.customer.external_ref, "name": q.customer.name,
                     "country": q.customer.country, "entry": q.hit.entry_key, "matched_name": q.hit.matched_name,
                     "listed_address": address, "listed_countries": countries,
                     "score": round(q.hit.score, 3), "status": q.hit.status})
        table.add_row(str(q.hit.id), q.customer.external_ref, q.customer.name, q.customer.country or "",
                      q.hit.entry_key.split(":", 1)[0], q.hit.matched_name, address or ", ".join(countries),
                      str(round(q.hit.score, 3)))
    _emit(rows, output, table)


@app.command("rescreen")
def rescreen_command(
    full: Annotated[bool, typer.Option(help="Screen every customer against every entry, not only changes.")] = False,
    processes: Annotated[int, typer.Option(min=0, help="Worker processes (0 = all cores).")] = 0,
    database_url: DatabaseUrl = None, actor: Actor = None, output: OutputFormat = Format.table,
) -> None:
    """Re-screen stored customers against the lists in force: only list changes and customers added or
    changed since the last run, unless --full. The first run, and the first after an upgrade of the
    matching engine, screen everyone in full; the summary says which it was and why."""
    from exportguard.batch.runner import LocalRunner
    from exportguard.store.base import transaction
    from exportguard.store.customer_store import MonitoringError, rescreen_customers

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=errors, disable=output is Format.json) as progress:
        task = progress.add_task("screening customers", total=None)
        try:
            with transaction(_sessions(database_url)) as session:
                _first_run_lists(session, actor or getpass.getuser())
                summary = rescreen_customers(session, actor or getpass.getuser(), LocalRunner(processes),
                                             lambda done: progress.advance(task, done), full)
        except MonitoringError as exc:
            errors.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from exc
    counts = summary.counts()
    table = Table("version", "mode", "customers", "new hits", "retired", "changed entry", caption=summary.reason)
    table.add_row(*(str(counts[key]) for key in ("version", "mode", "customers", "new", "retired", "changed")))
    _emit(counts, output, table)
