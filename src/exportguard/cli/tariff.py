"""``exportguard tariff`` and ``exportguard tariff-file``: Section 301 (China) duty exposure as of a date."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from exportguard.cli.app import app
from exportguard.tariffs.batch import ROW_COLUMNS, ImportFileError, RowResult, Summary, answer_rows, read_rows
from exportguard.tariffs.exposure import Exposure, TariffAnswer, exposure
from exportguard.tariffs.hts import HtsCodeError, UnknownHtsCode

console = Console()
errors = Console(stderr=True)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _as_of(value: str | None) -> date:
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.print(f"[red]Invalid input:[/red] --as-of {value!r} is not an ISO date such as 2019-12-15")
        raise typer.Exit(2) from None


@app.command()
def tariff(
    hts: Annotated[str, typer.Argument(help="HTS code, 8 or 10 digits, dotted or not: 8517.12.00, 85171200.")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Entry date, ISO (default: today).")] = None,
    value: Annotated[str | None, typer.Option("--value", help="Customs value in USD, to compute the duty.")] = None,
    origin: Annotated[str, typer.Option(help="Country of origin, ISO-2; Section 301 applies to CN.")] = "CN",
    output: Annotated[OutputFormat, typer.Option("--format", help="table for people, json or csv for machines.")] = (
        OutputFormat.table
    ),
) -> None:
    """Section 301 exposure of a product of China: its list, chapter 99 heading and the additional duty in
    force on the entry date, with the Federal Register notice that set it. Product exclusions are not modelled.

    Exit status: 0 answered, 1 indeterminate (give the 10-digit number), 2 bad input or a code the data does
    not hold (never read as "no tariff").

    Example: exportguard tariff 8517.12.00 --as-of 2019-12-15 --value 10000
    """
    try:
        answer = exposure(hts, _as_of(as_of), origin=origin, value=value)
    except (HtsCodeError, UnknownHtsCode, ValueError) as exc:
        errors.print(f"[red]Invalid input:[/red] {exc}")
        raise typer.Exit(2) from exc
    if output is OutputFormat.json:
        print(json.dumps(answer.to_dict(), indent=2))
    elif output is OutputFormat.csv:
        result = RowResult(0, {"hts": hts, "value": value or "", "entry_date": answer.as_of.isoformat(),
                               "origin": origin}, answer)
        _write_csv(sys.stdout, [result])
    else:
        _print_answer(answer)
    raise typer.Exit(1 if answer.exposure is Exposure.INDETERMINATE else 0)


def _print_answer(answer: TariffAnswer) -> None:
    colour = {"DUTY": "red", "NO_DUTY": "green", "INDETERMINATE": "yellow"}[answer.exposure.value]
    console.print(f"[bold {colour}]{answer.exposure.value}[/bold {colour}] HTS {answer.hts}, origin {answer.origin}, "
                  f"entered {answer.as_of}")
    console.print(answer.reason)
    if answer.exposure is not Exposure.INDETERMINATE:
        line = f"Additional duty: {answer.rate_pct.normalize():f}%"
        if answer.duty is not None:
            line += f" = USD {answer.duty:,} on USD {answer.value:,}"
        console.print(line)
    if answer.history:
        table = Table("from", "until", "heading", "list", "rate", "notice", title="Section 301 rates for this code")
        for step in answer.history:
            rate = "suspended" if step.suspended else f"{step.rate.normalize():f}%"
            table.add_row(str(step.start), str(step.end or ""), step.heading, step.list_name, rate, step.notice)
        console.print(table)
    for caveat in answer.caveats:
        console.print(f"[italic]Note:[/italic] {caveat}")


@app.command("tariff-file")
def tariff_file(
    input_file: Annotated[Path, typer.Argument(help="CSV with a header naming hts, value, entry_date, origin.",
                                               exists=True, dir_okay=False)],
    output_file: Annotated[Path | None, typer.Option("-o", "--output", help="Write the lines here (.csv or .json); "
                                                     "default: only the summary is shown.")] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="Summary as a table for people, or json/csv "
                                                 "(json: lines and summary; csv: lines) on standard output.")] = (
        OutputFormat.table
    ),
) -> None:
    """Section 301 exposure of every line of an import file, with per-line errors and the duty by list.

    Lines with a bad HTS code, date, origin or value are reported and skipped; the rest are answered.
    Exit status: 0 all lines answered, 1 some lines in error or indeterminate, 2 unreadable file.

    Example: exportguard tariff-file examples/imports.csv -o exposure.csv
    """
    results, summary = _answer_file(input_file, quiet=output is not OutputFormat.table)
    if output_file is not None:
        _write_results(output_file, results, summary)
    if output is OutputFormat.json:
        print(json.dumps({"summary": summary.to_dict(), "lines": [r.to_dict() for r in results]}, indent=2))
    elif output is OutputFormat.csv:
        _write_csv(sys.stdout, results)
    else:
        _print_summary(summary, output_file)
    for result in results:
        if result.error:
            errors.print(f"[yellow]line {result.line}[/yellow]: {result.error}")
    raise typer.Exit(1 if summary.errors or summary.indeterminate else 0)


def _answer_file(path: Path, quiet: bool) -> tuple[list[RowResult], Summary]:
    summary = Summary()
    results: list[RowResult] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle, \
                Progress(*columns, console=errors, transient=True, disable=quiet) as progress:
            task = progress.add_task("import lines", total=None)
            for result in answer_rows(read_rows(handle), progress=lambda done: progress.advance(task, done)):
                summary.add(result)
                results.append(result)
    except (ImportFileError, UnicodeDecodeError, csv.Error) as exc:
        errors.print(f"[red]{path.name}: cannot read:[/red] {exc}")
        raise typer.Exit(2) from exc
    return results, summary


def _print_summary(summary: Summary, output_file: Path | None) -> None:
    table = Table("list", "lines", "value (USD)", "duty (USD)", title="Section 301 duty exposure by list")
    for name, totals in sorted(summary.by_list.items()):
        table.add_row(name, str(totals["lines"]), f"{totals['value']:,.2f}", f"{totals['duty']:,.2f}")
    table.add_row("[bold]total[/bold]", "", "", f"[bold]{summary.total_duty:,.2f}[/bold]")
    console.print(table)
    console.print(f"{summary.lines} line(s): {summary.lines - summary.no_duty - summary.indeterminate - summary.errors}"
                  f" with a duty, {summary.no_duty} without, {summary.indeterminate} indeterminate, "
                  f"{summary.errors} in error. Product exclusions are not modelled.")
    if output_file is not None:
        console.print(f"Lines written to {output_file}")


def _write_results(path: Path, results: list[RowResult], summary: Summary) -> None:
    if path.suffix == ".json":
        document: dict[str, Any] = {"summary": summary.to_dict(), "lines": [r.to_dict() for r in results]}
        path.write_text(json.dumps(document, indent=2), encoding="utf-8")
        return
    with path.open("w", encoding="utf-8", newline="") as handle:
        _write_csv(handle, results)


def _write_csv(handle: Any, results: list[RowResult]) -> None:
    writer = csv.DictWriter(handle, fieldnames=ROW_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(result.csv_row() for result in results)
