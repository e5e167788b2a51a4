"""``exportguard lists update|versions|diff``, ``customers import`` and ``rescreen``: continuous screening."""

from __future__ import annotations

import csv
import getpass
import json
from datetime import datetime
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


console = Console()
errors = Console(stderr=True)
lists_app = typer.Typer(help="Restricted-party lists: fetch the official files, load one, show their status and "
                        "versions, diff two.",
                        no_args_is_help=True)
customers_app = typer.Typer(help="The customer master screened on every list change.", no_args_is_help=True)
app.add_typer(lists_app, name="lists")
app.add_typer(customers_app, name="customers")

DatabaseUrl = Annotated[str | None, typer.Option(
    "--database-url", help="SQLAlchemy URL; default EXPORTGUARD_DATABASE_URL, else ./exportguard.db")]
Actor = Annotated[str | None, typer.Option(help="Who is doing this, for the audit log (default: your login).")]
MAX_CUSTOMER_ROWS = 10_000_000


class ListFormat(StrEnum):
    """The codes of :data:`exportguard.lists.sources.SOURCES` (a test checks they agree)."""

    csl = "csl"
    sdn = "sdn"
    cons = "cons"
    un = "un"
    el = "el"
    cn = "cn"
    sdnparsed = "sdnparsed"
    nsfreg = "nsfreg"


class Format(StrEnum):
    table = "table"
    json = "json"


OutputFormat = Annotated[Format, typer.Option("--format", help="table for people, json for machines.")]


def _sessions(database_url: str | None) -> sessionmaker[Session]:
    from exportguard.store.base import make_engine, session_factory
    from exportguard.store.migrate import upgrade

    upgrade(database_url)
    return session_factory(make_engine(database_url))


def _emit(data: Any, output: Format, table: Table | None = None) -> None:
    if output is Format.json:
        typer.echo(json.dumps(data, indent=2, default=str))
    elif table is not None:
        console.print(table)


MaxDrop = Annotated[float, typer.Option(min=0, max=1, help="Refuse a file in which any list has lost more than "
                                         "this share of its largest size over the last versions (a cut file).")]
MaxRenamed = Annotated[float, typer.Option(min=0, max=1, help="Refuse a file in which more than this share of a "
                                           "list's names are gone although its entries remain (garbled names).")]
Force = Annotated[bool, typer.Option("--force", help="Admin override: put the file in force although the guard "
                                     "refuses it; needs --reason, recorded in the audit trail.")]
Reason = Annotated[str | None, typer.Option("--reason", help="Why the guard is overridden (with --force).")]
AllowPartial = Annotated[bool, typer.Option("--allow-partial", help="Accept an OFAC sdn.csv (or cons_prim.csv) "
                                            "without its alt/add files: every entry then loses aliases/addresses.")]


def _override(force: bool, reason: str | None) -> str | None:
    if force and not (reason or "").strip():
        errors.print("[red]--force needs --reason \"...\"[/red] (it is recorded in the audit trail)")
        raise typer.Exit(2)
    if reason and not force:
        errors.print("[red]--reason is only for --force[/red]")
        raise typer.Exit(2)
    return reason.strip() if force and reason else None


def _print_refusal(exc: Exception) -> None:
    failures = getattr(exc, "failures", ())
    if not failures:
        errors.print(f"[red]Refused:[/red] {exc}")
        return
    errors.print(f"[red]Refused[/red], the version in force stays; measured against {getattr(exc, 'reference', '')}:",
                 soft_wrap=True)
    for failure in failures:
        errors.print(f"  [red]{failure.check}[/red] {failure.list_code}: {failure.message}", soft_wrap=True)


@lists_app.command("update")
def update(
    file: Annotated[Path, typer.Argument(exists=True, help="The list file (or a directory with OFAC sdn.csv).")],
    list_format: Annotated[ListFormat, typer.Option("--format", help="csl (trade.gov consolidated.csv), sdn (OFAC "
                                                    "sdn.csv + alt.csv, add.csv [, sdn_comments.csv]), cons (OFAC "
                                                    "cons_prim.csv + ...), un (UN consolidated XML), el (eCFR JSON), "
                                                    "cn (China's counter-lists, OpenSanctions cn_sanctions.csv), "
                                                    "sdnparsed, nsfreg.")] = ListFormat.csl,
    max_drop: MaxDrop = 0.10,
    max_renamed: MaxRenamed = 0.50,
    as_of: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="The date the file is as of, when "
                                                   "the file does not say (OFAC's raw files do not).")] = None,
    allow_partial: AllowPartial = False,
    force: Force = False,
    reason: Reason = None,
    database_url: DatabaseUrl = None,
    actor: Actor = None,
    output: Annotated[Format, typer.Option("--output", help="table or json.")] = Format.table,
) -> None:
    """Load a new list file as a new version, through the guard: a malformed file, or one that loses a list
    or a share of one, or garbles its names, is refused and the version in force stays (exit 1)."""
    from dataclasses import replace

    from exportguard.lists.errors import ListFormatError
    from exportguard.lists.sources import SOURCES
    from exportguard.lists.versions import GuardLimits, VersionRefused
    from exportguard.store.base import transaction
    from exportguard.store.list_store import record_refusal, record_version

    forced = _override(force, reason)
    who = actor or getpass.getuser()
    sessions = _sessions(database_url)
    source = SOURCES[str(list_format.value)]
    try:
        snapshot = (source.load(file, allow_partial=allow_partial) if source.file_set else source.load(file))
        if as_of is not None:
            snapshot = replace(snapshot, version=replace(snapshot.version, as_of=as_of.date()))
        with transaction(sessions) as session:
            outcome = record_version(session, snapshot, who, GuardLimits(max_drop, max_renamed),
                                     force_reason=forced, origin=str(file))
    except (ListFormatError, VersionRefused) as exc:
        with transaction(sessions) as session:
            record_refusal(session, who, str(file.name), exc, str(file))
        _print_refusal(exc)
        raise typer.Exit(1) from exc
    summary = {"version": outcome.version_id, "entries": snapshot.version.party_count,
               "as_of": snapshot.version.as_of, "already_loaded": outcome.already_loaded,
               **(outcome.changes.summary() if outcome.changes else {}),
               "overridden": [failure.to_dict() for failure in outcome.overridden]}
    if output is Format.json:
        _emit(summary, output)
    else:
        console.print(", ".join(f"{key}: {value}" for key, value in summary.items() if key != "overridden"))
        for failure in outcome.overridden:
            errors.print(f"[yellow]overridden ({forced})[/yellow] {failure}")


@lists_app.command("fetch")
def fetch(
    sources: Annotated[list[str] | None, typer.Option("--source", help="csl, sdn, cons or un (repeatable); "
                                                      "default all four.")] = None,
    then_rescreen: Annotated[bool, typer.Option("--then-rescreen", help="Delta re-screen the customers when a "
                                                "list changed.")] = False,
    cache: Annotated[Path | None, typer.Option("--cache-dir", help="Where the last good files are kept "
                                               "(default EXPORTGUARD_FETCH_DIR, else ./exportguard-lists).")] = None,
    timeout: Annotated[float, typer.Option(min=1, help="Seconds per request.")] = 60.0,
    retries: Annotated[int, typer.Option(min=0, max=10, help="Retries of a failed request, with backoff.")] = 3,
    max_mb: Annotated[int, typer.Option(min=1, help="Largest file accepted, in MB.")] = 300,
    max_drop: MaxDrop = 0.10,
    max_renamed: MaxRenamed = 0.50,
    allow_partial: AllowPartial = False,
    force: Force = False,
    reason: Reason = None,
    database_url: DatabaseUrl = None,
    actor: Actor = None,
    output: OutputFormat = Format.table,
) -> None:
    """Download the official lists (trade.gov CSL, OFAC SDN and non-SDN files, UN consolidated list) and load
    each through the guard. Unchanged files (HTTP 304) change nothing. URLs: EXPORTGUARD_FETCH_URL_<SOURCE>
    (a mirror or proxy); the standard proxy variables (HTTPS_PROXY, NO_PROXY) are honoured.

    Exit status: 0 every source loaded or unchanged, 1 any refused or failed (the versions in force stay), or
    customers the re-screen could not screen (listed INDETERMINATE, as `rescreen` lists them).
    """
    from exportguard.lists.fetch import FetchSettings
    from exportguard.lists.sources import SOURCES, fetchable
    from exportguard.lists.versions import GuardLimits
    from exportguard.store.list_fetch import cache_dir, fetch_lists

    unknown = [code for code in sources or () if code not in SOURCES or not SOURCES[code].fetchable]
    if unknown:
        errors.print(f"[red]Unknown source(s)[/red] {', '.join(unknown)}; fetchable: "
                     f"{', '.join(s.code for s in fetchable())}")
        raise typer.Exit(2)
    forced = _override(force, reason)
    who = actor or getpass.getuser()
    chosen = [SOURCES[code] for code in sources] if sources else fetchable()
    sessions = _sessions(database_url)
    with errors.status(f"fetching {', '.join(s.code for s in chosen)}", spinner="dots"):
        outcomes = fetch_lists(sessions, chosen, who, cache_dir(cache), settings=FetchSettings(
            timeout=timeout, retries=retries, max_bytes=max_mb * 1_000_000), limits=GuardLimits(max_drop, max_renamed),
            force_reason=forced, allow_partial=allow_partial)
    rows: list[dict[str, Any]] = [outcome.to_dict() for outcome in outcomes]
    rescreen: dict[str, Any] | None = None
    if then_rescreen and any(outcome.outcome == "loaded" for outcome in outcomes):
        rescreen = _rescreen(sessions, who, processes=0, full=False, quiet=output is Format.json).counts()
    table = Table("source", "outcome", "version", "changes", "detail")
    for row in rows:
        table.add_row(row["source"], row["outcome"], row["version"] or "", str(row["changes"] or ""), row["message"])
    _emit({"sources": rows, "rescreen": rescreen}, output, table)
    if output is Format.table and rescreen:
        console.print(f"re-screen: {rescreen}")
        if rescreen["unscreenable"]:
            console.print(_unscreenable_table(rescreen))
    elif output is Format.table and then_rescreen:
        console.print("no list changed: no re-screen")
    if any(outcome.outcome in ("refused", "failed") for outcome in outcomes) or (rescreen or {}).get("unscreenable"):
        raise typer.Exit(1)


@lists_app.command("status")
def status(database_url: DatabaseUrl = None, output: OutputFormat = Format.table) -> None:
    """Each list in force: its source version, as-of date, load time, entry count and age; and the last
    fetch of every URL. Lists older than EXPORTGUARD_MAX_LIST_AGE_DAYS (default 7) are marked stale."""
    from exportguard.store.list_status import list_status

    with _sessions(database_url)() as session:
        report = list_status(session)
    table = Table("list", "version", "as of", "age (days)", "entries", "loaded", "source",
                  caption=f"stale: older than {report['max_age_days']} days or undated")
    for row in report["lists"]:
        age = "?" if row["age_days"] is None else str(row["age_days"])
        table.add_row(row["list"], row["version"], str(row["as_of"] or "unknown"),
                      f"[yellow]{age}[/yellow]" if row["stale"] else age, f"{row['entries']:,}",
                      str(row["loaded_at"] or "bundled")[:19], row["provenance"])
    _emit(report, output, table)
    if output is Format.table and report["fetches"]:
        fetches = Table("url", "outcome", "checked", "detail", title="last fetch attempts")
        for attempt in report["fetches"]:
            fetches.add_row(attempt["url"], attempt["outcome"], str(attempt["checked_at"])[:19], attempt["message"])
        console.print(fetches)


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

    Rows the screener could not answer for are reported with the reason and skipped, the others imported:
    no id or name, a name over 500 characters, a country that is not an ISO 3166 alpha-2 code (CN, not
    China or CHN: never guessed).
    """
    from exportguard.store.customer_store import import_in_chunks

    rows, skipped = _customer_rows(file)
    for line, problem in skipped:
        errors.print(f"[yellow]{file.name}, row {line}[/yellow]: {problem}; skipped", soft_wrap=True)
    if not rows:
        errors.print(f"[red]{file.name}[/red]: no customer to import")
        raise typer.Exit(1)
    added, updated = import_in_chunks(_sessions(database_url), rows, actor or getpass.getuser())
    _emit({"added": added, "updated": updated, "skipped": [{"row": line, "error": e} for line, e in skipped]},
          output)
    if output is Format.table:
        console.print(f"{added} customers added, {updated} updated, {len(skipped)} rows skipped")


@customers_app.command("unscreenable")
def unscreenable_command(
    limit: Annotated[int, typer.Option(min=1, max=1_000_000, help="At most this many customers listed.")] = 1000,
    database_url: DatabaseUrl = None, output: OutputFormat = Format.table,
) -> None:
    """Stored customers that cannot be screened (a name over 500 characters, a country that is not an ISO 3166
    alpha-2 code), with the reason: each re-screen reports them INDETERMINATE, never as without hits.

    Exit status: 0 none, 1 some (fix them in the file and import it again)."""
    from exportguard.store.customer_store import unscreenable_customers

    with _sessions(database_url)() as session:
        found, total = unscreenable_customers(session, limit)
    counts = {"unscreenable": total, "unscreenable_customers": found}
    _emit(counts, output, _unscreenable_table(counts))
    if total:
        raise typer.Exit(1)


def _first_run_lists(session: Session, actor: str) -> None:
    """With no list loaded yet, the bundled lists become the first versions, as `screen` uses them too."""
    from exportguard.store.list_store import record_bundled, versions

    if not versions(session):
        loaded = record_bundled(session, actor)
        errors.print(f"no list loaded yet: loading the {len(loaded)} bundled lists; newer lists: "
                     "`exportguard lists fetch` (or `lists update FILE`)")


def _customer_rows(file: Path) -> tuple[list[Any], list[tuple[int, str]]]:
    from exportguard.batch.runner import Customer, unscreenable_reason

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
            customer = Customer(row[id_column].strip(), row["name"].strip(), country, row.get("address") or None)
            refused = unscreenable_reason(customer)
            if refused:
                skipped.append((line, refused))
                continue
            rows.append(customer)
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
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many groups (a customer against one "
                                       "listed entity and its affiliates), best score first.")] = 50,
    database_url: DatabaseUrl = None, output: OutputFormat = Format.table,
) -> None:
    """The review queue after `rescreen`: stored customers' hits by status, grouped per customer and listed
    entity family (an entity's rows at several addresses, a parent with its listed affiliates), best first.
    The table shows each group's best row; the JSON lists every hit, group by group, with its group's label."""
    from exportguard.store.customer_store import grouped_hit_queue, hit_count

    with _sessions(database_url)() as session:
        groups, total_groups = grouped_hit_queue(session, status.value, limit)
        total = hit_count(session, status.value)
    shown = sum(len(group.hits) for group in groups)
    more = " (more with --limit)" if total_groups > len(groups) else ""
    table = Table("hit", "customer", "name", "country", "lists", "listed entity (group)", "matched name", "listed at",
                  "score", title=f"{len(groups)} of {total_groups} groups, {shown} of {total} {status.value} hits{more}")
    rows = []
    for group in groups:
        label = group.label
        for q in group.hits:
            address = q.entry.addresses[0] if q.entry and q.entry.addresses else None
            countries = list(q.entry.countries) if q.entry else []
            rows.append({"hit": q.hit.id, "customer": q.customer.external_ref, "name": q.customer.name,
                         "country": q.customer.country, "entry": q.hit.entry_key, "matched_name": q.hit.matched_name,
                         "listed_address": address, "listed_countries": countries,
                         "score": round(q.hit.score, 3), "status": q.hit.status, "group": label,
                         "group_rows": len(group.hits)})
        best = group.hits[0]
        address = best.entry.addresses[0] if best.entry and best.entry.addresses else None
        table.add_row(str(best.hit.id), best.customer.external_ref, best.customer.name, best.customer.country or "",
                      ", ".join(sorted({q.hit.entry_key.split(":", 1)[0] for q in group.hits})), label,
                      best.hit.matched_name, address or ", ".join(best.entry.countries if best.entry else ()),
                      str(round(best.hit.score, 3)))
    _emit(rows, output, table)
    _print_list_dates(database_url)


def _print_list_dates(database_url: str | None) -> None:
    """The as-of dates of the lists in force on stderr, with a warning for stale ones, as `screen` does."""
    from exportguard.cli.screen import warn_stale
    from exportguard.lists.freshness import freshness
    from exportguard.store.customer_store import combined, in_force

    with _sessions(database_url)() as session:
        warn_stale(freshness(combined(session, in_force(session))))


def _rescreen(sessions: sessionmaker[Session], actor: str, processes: int, full: bool, quiet: bool,
              resume: bool = False) -> Any:
    """A re-screen committed chunk by chunk (resuming an interrupted one), with a progress bar."""
    from exportguard.batch.runner import LocalRunner
    from exportguard.store.base import transaction
    from exportguard.store.customer_store import MonitoringError, rescreen_in_chunks

    with transaction(sessions) as session:
        _first_run_lists(session, actor)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=errors, disable=quiet) as progress:
        task = progress.add_task("screening customers", total=None)
        try:
            return rescreen_in_chunks(sessions, actor, LocalRunner(processes),
                                      lambda done: progress.advance(task, done), full, resume)
        except MonitoringError as exc:
            errors.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from exc


@app.command("rescreen")
def rescreen_command(
    full: Annotated[bool, typer.Option(help="Screen every customer against every entry, not only changes.")] = False,
    resume: Annotated[bool, typer.Option(help="Only resume an interrupted run (exit 1 when there is none). "
                                         "Without it an interrupted run is resumed anyway when the lists "
                                         "in force are unchanged.")] = False,
    processes: Annotated[int, typer.Option(min=0, help="Worker processes (0 = all cores).")] = 0,
    database_url: DatabaseUrl = None, actor: Actor = None, output: OutputFormat = Format.table,
) -> None:
    """Re-screen stored customers against the lists in force: only list changes and customers added or
    changed since the last run, unless --full. The first run, and the first after an upgrade of the
    matching engine, screen everyone in full; the summary says which it was and why. A delta run also
    records how far the list changes moved recorded scores ("drift"): once those moves add up, since the
    last full run, to a sixth of the 0.05 near-miss margin, the next run is full: re-weighting adds up
    from change to change, and could otherwise carry a customer with no recorded result past the margin
    unseen. Run --full after a very large list change all the same (docs/monitoring.md, Limits).

    Results are committed 500 customers at a time, so the API keeps writing while a re-screen runs, and
    a run that is killed carries on from its last commit the next time.

    A stored customer whose name or country the screener refuses (stored before import checked them, or
    written to the database directly) is INDETERMINATE: listed with the reason (the first 100; all counted,
    also in the audit trail), its hits left as they were, and screened again by every run until fixed.

    Exit status: 0 every customer screened, 1 some customers could not be screened (or no run)."""
    summary = _rescreen(_sessions(database_url), actor or getpass.getuser(), processes, full,
                        quiet=output is Format.json, resume=resume)
    counts = summary.counts()
    caption = summary.reason + (f"; resumed after customer {summary.resumed_after}" if summary.resumed_after else "")
    if counts.get("drift"):
        caption += f"; the list changes moved recorded scores by up to {counts['drift']}"
    table = Table("version", "mode", "customers", "new hits", "retired", "changed entry", "not screened",
                  caption=caption)
    not_screened = str(counts["unscreenable"])
    table.add_row(*(str(counts[key]) for key in ("version", "mode", "customers", "new", "retired", "changed")),
                  f"[bold red]{not_screened}[/bold red]" if counts["unscreenable"] else not_screened)
    _emit(counts, output, table)
    if output is Format.table and counts["unscreenable"]:
        console.print(_unscreenable_table(counts))
    _print_list_dates(database_url)
    if counts["unscreenable"]:
        raise typer.Exit(1)


def _unscreenable_table(counts: dict[str, Any]) -> Table:
    """The customers a re-screen could not screen, each INDETERMINATE with the reason, and how many are unlisted."""
    listed = counts["unscreenable_customers"]
    unlisted = counts["unscreenable"] - len(listed)
    table = Table("result", "customer", "stored id", "reason", title="[bold red]customers that cannot be screened: fix the "
                  "name or country and import them again[/bold red]",
                  caption=f"and {unlisted} more: exportguard customers unscreenable" if unlisted else None)
    for customer in listed:
        table.add_row("[bold yellow]INDETERMINATE[/bold yellow]", customer["customer"], str(customer["id"]),
                      customer["reason"])
    return table
