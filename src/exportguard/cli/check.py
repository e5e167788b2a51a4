"""``exportguard check``: decide whether a shipment described in YAML/JSON needs a license, as of a date."""

from __future__ import annotations

import getpass
import json
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console
from rich.table import Table

from exportguard.cli.app import app
from exportguard.rules import Determination, Status, TransactionError, determine
from exportguard.rules.parties import ScreenerMatcher

console = Console()
errors = Console(stderr=True)

#: Statuses that let the shipment go ahead as described (exit 0); anything else needs action (exit 1).
MAY_PROCEED = (Status.NLR, Status.NOT_SUBJECT, Status.LICENSE_EXCEPTION, Status.AUTHORIZED_GENERAL)
_STYLE = {
    Status.PROHIBITED: "bold white on red", Status.INDETERMINATE: "bold yellow", Status.LICENSE_REQUIRED: "bold red",
    Status.AUTHORIZED_GENERAL: "bold cyan", Status.LICENSE_EXCEPTION: "bold cyan", Status.NLR: "bold green",
    Status.NOT_SUBJECT: "bold green",
}  # fmt: skip


class CheckFormat(StrEnum):
    table = "table"
    json = "json"


@app.command()
def check(
    shipment: Annotated[
        Path, typer.Argument(help="Shipment file (YAML or JSON); see examples/*.yaml.", exists=True, dir_okay=False)
    ],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Decide as of this ISO date instead of the shipment date.")
    ] = None,
    output: Annotated[CheckFormat, typer.Option("--format", help="table for people, json for machines.")] = (
        CheckFormat.table
    ),
    record: Annotated[
        bool,
        typer.Option(
            "--record",
            help="Append the determination to the hash-chained audit log (EXPORTGUARD_DATABASE_URL, default ./exportguard.db).",
        ),
    ] = False,
    actor: Annotated[
        str | None, typer.Option(help="Who is deciding, for the audit record (default: login name).")
    ] = None,
) -> None:
    """Decide whether a shipment needs a license, citing the rule behind every finding.

    Runs the ordered checks (where the item is, de minimis and the Huawei foreign direct product rules,
    denial orders, the Country Chart in force on the date, embargoes, Entity List with its dated review
    policy, 744.21 and other end-user lists, the Huawei TGL and other general authorizations, license
    exceptions) as of the shipment date or --as-of, any date from 2019-01-01 up to today. Unresolved
    possible list matches, unknown ECCNs or chart rows, later regimes the facts bring in and dates past
    the list snapshot give INDETERMINATE, never a silent NLR, unless a requirement nothing lifts already
    decides the answer. Every rule and its source: docs/regulations.md.

    Exit status: 0 may proceed (NLR, NOT_SUBJECT, LICENSE_EXCEPTION, AUTHORIZED_GENERAL), 1 needs action
    (LICENSE_REQUIRED, PROHIBITED, INDETERMINATE), 2 bad input.

    Example: exportguard check examples/huawei_memory_2019-11-10.yaml --as-of 2019-05-01
    """
    try:
        result = determine(_read(shipment), _as_of(as_of), matcher=_matcher())
    except TransactionError as exc:
        errors.print(f"[red]{shipment.name}: invalid shipment:[/red] {exc}")
        raise typer.Exit(2) from exc
    if output is CheckFormat.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print(result)
    if record:
        errors.print(f"Recorded as audit record #{_record(result, actor or getpass.getuser(), shipment)}")
    raise typer.Exit(0 if result.status in MAY_PROCEED else 1)


def _record(result: Determination, actor: str, shipment: Path) -> int:
    """Append the full replayable determination to the audit log; returns the record id."""
    from exportguard.store.audit import AuditRecord, append
    from exportguard.store.base import make_engine, session_factory, transaction

    engine = make_engine()
    AuditRecord.__table__.create(engine, checkfirst=True)  # type: ignore[attr-defined]
    subject = str(result.inputs.get("reference") or shipment.name)
    with transaction(session_factory(engine)) as session:
        return append(session, actor, "determination", subject, result.to_dict()).id


def _matcher() -> ScreenerMatcher:
    """Parties are matched against the lists in force (see `exportguard lists update`), else the bundled CSL."""
    from exportguard.store.screeners import screener_for

    return ScreenerMatcher(screener_for())


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        errors.print(f"[red]{path.name}: not readable as YAML/JSON:[/red] {exc}")
        raise typer.Exit(2) from exc
    if not isinstance(data, dict):
        errors.print(f"[red]{path.name}: expected a mapping of shipment fields at the top level[/red]")
        raise typer.Exit(2)
    return data


def _as_of(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        errors.print(f"[red]--as-of: {value!r} is not an ISO date such as 2019-11-10[/red]")
        raise typer.Exit(2) from exc


def _print(result: Determination) -> None:
    console.print(f"Status as of {result.as_of}: [{_STYLE[result.status]}]{result.status.value}[/]")
    if result.review_policy is not None:
        console.print(f"Review policy if you apply: [bold]{result.review_policy.value}[/bold]")
    for start, end in result.tgl_windows:
        console.print(f"General authorization window: {start} through {end}")
    table = Table(show_lines=True)
    for column in ("id", "rule", "finding", "reason", "citation"):
        table.add_column(column, overflow="fold")
    for finding in result.findings:
        reason = finding.reason + (
            f"\n[yellow]uncertain:[/yellow] {finding.uncertain_reason}" if finding.uncertain else ""
        )
        lifted = f"\nlifts {', '.join(finding.lifts)}" if finding.lifts else ""
        table.add_row(finding.id, finding.rule, finding.kind.value + lifted, reason, finding.citation)
    console.print(table)
    console.print(f"Lists: {', '.join(result.list_versions)}; rule data: {', '.join(result.rule_versions.values())}")
    _print_freshness(result.list_freshness)


def _print_freshness(dated: dict[str, Any]) -> None:
    """The as-of date of each list behind the determination, stale ones in amber (on stderr)."""
    rows = dated.get("lists", [])
    if not rows:
        return
    stale = [f"{row['list']} {row['as_of'] or 'undated'}" for row in rows if row["stale"]]
    known = sorted(row["as_of"] for row in rows if row["as_of"])
    span = f"lists as of {known[0]} .. {known[-1]}" if known else "lists of unknown date"
    errors.print(f"[dim]{span}[/dim]" + (f"; [yellow]older than {dated['max_age_days']} days:[/yellow] "
                                         f"{', '.join(stale)}" if stale else ""))
