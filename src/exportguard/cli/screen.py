"""``exportguard screen`` and ``exportguard screen-file``: screen names against the lists."""

from __future__ import annotations

import csv
import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from exportguard.cli.app import app
from exportguard.lists.errors import ListFormatError
from exportguard.lists.freshness import Freshness, freshness
from exportguard.matching.grouping import Screening
from exportguard.matching.model import DEFAULT_THRESHOLD, REVIEW_FLOOR, STRONG_THRESHOLD, Hit
from exportguard.matching.screener import Screener, ScreeningInputError, with_native_names

console = Console()
errors = Console(stderr=True)

HIT_COLUMNS = (
    "row", "customer_id", "query", "country", "score", "band", "list", "name", "matched_name", "matched_alias",
    "federal_register", "license_requirement", "license_policy", "explanation", "list_version", "list_as_of",
)  # fmt: skip


ID_COLUMNS = ("customer_id", "id")
#: Rejected rows echoed after the summary; the rejected-rows file has them all.
SHOWN_REJECTS = 5


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


ListFile = Annotated[
    Path | None,
    typer.Option(
        help="Screen against this trade.gov consolidated.csv instead of the lists in force (those loaded with "
        "`exportguard lists update` or `lists fetch` into EXPORTGUARD_DATABASE_URL or ./exportguard.db, else the "
        "bundled lists: `exportguard lists status` shows each one's date).",
        exists=True,
    ),
]
Threshold = Annotated[
    float,
    typer.Option(
        min=0.0, max=1.0,
        help=f"Lowest score reported as a hit (0..1). Hits from {STRONG_THRESHOLD} are strong, the rest possible "
        f"matches to review; scores from {REVIEW_FLOOR} up to the threshold are counted as possible matches below.",
    ),
]  # fmt: skip
Lists = Annotated[list[str] | None, typer.Option("--list", help="Only these lists (repeatable): EL, SDN, DPL, UVL...")]


def _screener(list_file: Path | None) -> Screener:
    if list_file is None:
        from exportguard.store.screeners import screener_for

        return screener_for()
    from exportguard.lists import csl

    try:
        snapshot = csl.load(list_file)
    except ListFormatError as exc:
        errors.print(f"[red]Cannot load list file:[/red] {exc}")
        raise typer.Exit(2) from exc
    return with_native_names(snapshot)


@app.command()
def screen(
    name: Annotated[
        str, typer.Argument(help="Party name, in any script (e.g. 'Huawei Device Co Ltd', '华为技术有限公司').")
    ],
    country: Annotated[str | None, typer.Option(help="ISO-2 country of the party, e.g. CN.")] = None,
    address: Annotated[str | None, typer.Option(help="Address of the party, used as supporting evidence.")] = None,
    threshold: Threshold = DEFAULT_THRESHOLD,
    limit: Annotated[int, typer.Option(min=1, max=100, help="Most hits to show.")] = 10,
    lists: Lists = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="table for people, json or csv for machines.")] = (
        OutputFormat.table
    ),
    list_file: ListFile = None,
) -> None:
    """Screen one party name against the restricted-party lists and explain every hit.

    Hits are grouped by listed entity (an entity's rows at several addresses, a parent and its listed
    affiliates) and --limit counts groups. A hit below the strong threshold is a possible match to review,
    with what kept it from strong; with no hit, near misses are counted ("no hit at >= 0.80; 2 possible
    matches below").

    Exit status: 0 no hit, 1 at least one hit, 2 bad input (an unknown --list or country code included).

    Example: exportguard screen "Huawei Device Co Ltd" --country CN
    """
    screener = _screener(list_file)
    try:
        screening = screener.screening(name, country, address=address, limit=limit, threshold=threshold, lists=lists)
    except ScreeningInputError as exc:
        errors.print(f"[red]Invalid input:[/red] {exc}")
        raise typer.Exit(2) from exc
    hits = screening.hits
    dated = freshness(screener.snapshot)
    if output is OutputFormat.json:
        document = {"country": country, "list_version": screener.list_version, "lists": dated.to_dict(),
                    **screening.to_dict(), "hits": [hit.to_dict() for hit in hits]}
        print(json.dumps(document, indent=2))
    elif output is OutputFormat.csv:
        _write_csv(sys.stdout, [_row(0, name, country, hit, dated) for hit in hits])
    else:
        _print_table(screening, screener.list_version)
    warn_stale(dated)
    raise typer.Exit(1 if hits else 0)


def warn_stale(dated: Freshness) -> None:
    """The lists' dates on stderr, so every surface says how old the answer's lists are."""
    errors.print(f"[dim]{dated.summary()}[/dim]")
    stale = [d for d in dated.lists if d.to_dict(dated.today, dated.max_age_days)["stale"]]
    if stale:
        ages = ", ".join(f"{d.list_code} {d.as_of or 'undated'}" for d in stale)
        errors.print(f"[yellow]stale lists[/yellow] (as of): {ages}; `exportguard lists status`, `lists fetch`")


def _print_table(screening: Screening, version: str) -> None:
    if not screening.groups:
        console.print(f"{screening.summary[0].upper()}{screening.summary[1:]} for [bold]{screening.query}[/bold] on {version}.")
        for hit in screening.possible[:5]:
            console.print(f"  possible match {hit.score:.2f}: {hit.party.list_code} {hit.party.name}")
        return
    table = Table(title=f"{screening.summary} for {screening.query!r}", caption=f"list versions: {version}",
                  show_lines=True)
    for column in ("score", "list", "entry and matched name", "license requirement / review policy", "why"):
        table.add_column(column, overflow="fold")
    for group in screening.groups:
        hit = group.best
        entry = (f"[bold]{group.label}[/bold]\nmatched: {hit.matched_name}\n{hit.party.federal_register_notice}")
        license_text = f"{_shorten(hit.party.license_requirement)}\n[italic]{hit.party.license_policy}[/italic]"
        why = hit.explanation + "".join(f"\n[yellow]kept from strong:[/yellow] {reason}" for reason in hit.held_back)
        table.add_row(f"{hit.score:.2f}\n{hit.band_label}", ", ".join(group.to_dict()["lists"]), entry, license_text, why)
    console.print(table)


def _shorten(text: str, limit: int = 140) -> str:
    """Long requirement texts are cut in the table; --format json shows them whole."""
    return text if len(text) <= limit else text[: limit - 1] + "…" if text else "-"


def _row(row: int, query: str, country: str | None, hit: Hit, dated: Freshness) -> dict[str, object]:
    as_of = next((d.as_of for d in dated.lists if d.list_code == hit.party.list_code), None)
    return {
        "row": row, "customer_id": "", "query": query, "country": country or "", "score": round(hit.score, 4), "band": hit.band,
        "list": hit.party.list_code, "name": hit.party.name, "matched_name": hit.matched_name,
        "matched_alias": hit.matched_alias, "federal_register": hit.party.federal_register_notice,
        "license_requirement": hit.party.license_requirement, "license_policy": hit.party.license_policy,
        "explanation": hit.explanation.replace("\n", "; "), "list_version": hit.list_version,
        "list_as_of": as_of.isoformat() if as_of else "",
    }  # fmt: skip


def _write_csv(handle: object, rows: list[dict[str, object]]) -> None:
    writer = csv.DictWriter(handle, fieldnames=HIT_COLUMNS)  # type: ignore[arg-type]
    writer.writeheader()
    writer.writerows(rows)


@app.command("screen-file")
def screen_file(
    input_file: Annotated[Path, typer.Argument(help="CSV of parties with a header row.", exists=True, dir_okay=False)],
    output_file: Annotated[Path, typer.Option("-o", "--output", help="Where to write the hits (CSV or .json).")],
    name_column: Annotated[str, typer.Option(help="Column holding the party name.")] = "name",
    country_column: Annotated[str, typer.Option(help="Column holding the ISO-2 country (optional).")] = "country",
    id_column: Annotated[str | None, typer.Option(help="Column holding your customer id, copied to every hit "
                                                  "(default: customer_id, else id, when present).")] = None,
    threshold: Threshold = DEFAULT_THRESHOLD,
    limit: Annotated[int, typer.Option(min=1, max=100, help="Most hits kept per row, best first.")] = 10,
    rejected_file: Annotated[Path | None, typer.Option("--rejected", help="Where to write the rows that could "
                                                       "not be screened, with the reason (default: next to the "
                                                       "output, OUTPUT.rejected.csv).")] = None,
    lists: Lists = None,
    list_file: ListFile = None,
) -> None:
    """Screen every row of a customer CSV; write the hits, and the rows that could not be screened to a
    second file, without stopping. Output paths are checked before any screening starts.

    Example: exportguard screen-file examples/customers.csv -o hits.csv
    """
    rejected_file = rejected_file or output_file.with_name(f"{output_file.stem}.rejected.csv")
    for path in (output_file, rejected_file):
        _check_writable(path)
    rows, columns = _read_rows(input_file, name_column)
    id_column = id_column or next((c for c in ID_COLUMNS if c in columns), None)
    if id_column is not None and id_column not in columns:
        errors.print(f"[red]{input_file.name}: no {id_column!r} column[/red] (columns: {columns})")
        raise typer.Exit(2)
    screener = _screener(list_file)
    dated = freshness(screener.snapshot)
    try:
        screener.checked_lists(lists)
    except ScreeningInputError as exc:
        errors.print(f"[red]Invalid input:[/red] {exc}")
        raise typer.Exit(2) from exc
    hits: list[dict[str, object]] = []
    problems: list[dict[str, object]] = []
    with _progress() as progress:
        task = progress.add_task("screening", total=len(rows))
        for number, row in rows:
            name, country = row.get(name_column) or "", row.get(country_column) or None
            customer_id = (row.get(id_column) or "") if id_column else ""
            try:
                found = screener.screen(name, country, threshold=threshold, lists=lists, limit=limit)
            except ScreeningInputError as exc:
                problems.append({"row": number, "error": str(exc), **row})
            else:
                hits.extend({**_row(number, name, country, hit, dated), "customer_id": customer_id} for hit in found)
            progress.advance(task)
    _write_hits(output_file, hits)
    _write_rejected(rejected_file, problems, columns)
    _summarise(len(rows), hits, problems, output_file, rejected_file)
    warn_stale(dated)


def _check_writable(path: Path) -> None:
    """Exit 2 before screening when ``path`` cannot be written: hours of screening must not end in a traceback."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        errors.print(f"[red]Cannot write {path}:[/red] the folder {folder} does not exist")
        raise typer.Exit(2)
    if path.is_dir() or not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        errors.print(f"[red]Cannot write {path}:[/red] {'it is a folder' if path.is_dir() else 'permission denied'}")
        raise typer.Exit(2)


def _read_rows(path: Path, name_column: str) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = list(reader.fieldnames or [])
            if name_column not in columns:
                errors.print(f"[red]{path.name}: no {name_column!r} column[/red] (columns: {reader.fieldnames})")
                raise typer.Exit(2)
            return [(number, row) for number, row in enumerate(reader, start=2)], columns
    except (UnicodeDecodeError, csv.Error) as exc:
        errors.print(f"[red]{path.name}: cannot read as UTF-8 CSV:[/red] {exc}")
        raise typer.Exit(2) from exc


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=errors, transient=True,
    )  # fmt: skip


def _write_hits(path: Path, hits: list[dict[str, object]]) -> None:
    if path.suffix == ".json":
        path.write_text(json.dumps(hits, indent=2, ensure_ascii=False), encoding="utf-8")
        return
    with path.open("w", encoding="utf-8", newline="") as handle:
        _write_csv(handle, hits)


def _write_rejected(path: Path, problems: list[dict[str, object]], columns: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["row", "error", *columns], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(problems)


def _summarise(total: int, hits: list[dict[str, object]], problems: list[dict[str, object]], output: Path,
               rejected: Path) -> None:
    """The summary, after the progress bar is gone: counts, where the files are, the first rejected rows."""
    flagged = len({hit["row"] for hit in hits})
    console.print(f"Screened {total} row(s): {flagged} with hits ({len(hits)} hits), {len(problems)} rejected.")
    console.print(f"Hits written to {output}")
    if problems:
        console.print(f"Rejected rows written to {rejected}")
    for problem in problems[:SHOWN_REJECTS]:
        errors.print(f"[yellow]skipped[/yellow] row {problem['row']}: {problem['error']}")
    if len(problems) > SHOWN_REJECTS:
        errors.print(f"[yellow]... and {len(problems) - SHOWN_REJECTS} more in {rejected}[/yellow]")
