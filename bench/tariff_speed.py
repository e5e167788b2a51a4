"""Section 301 tariff speed: lookups per second and a 100,000-line import file, next to screening as many names.

Run: python bench/tariff_speed.py [--lines 100000] [--json out.json]

Baseline, measured in the same run: the bundled screener (the CSL and China's counter-lists) screening the
same number of names, one process, as `screen-file` does. Names are the accuracy benchmark's real-data
corpus, repeated. The import file is made deterministically from the real Section 301 data: codes drawn
from every list (8- and 10-digit, dotted and plain), entry dates 2018-2026, origin CN on nine lines in ten,
and one line in a hundred malformed (a code cut short), so the error path is measured too.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import load_all

from exportguard.matching.screener import default_screener
from exportguard.tariffs.batch import Summary, answer_rows, read_rows
from exportguard.tariffs.exposure import exposure
from exportguard.tariffs.schedule import PRODUCT_LISTS, RATES, USITC_TABLE, data_path, load

START, DAYS = date(2018, 1, 1), 9 * 365


def import_lines(count: int, seed: int = 301) -> list[dict[str, str]]:
    """Deterministic import lines over the real Section 301 codes."""
    rng = random.Random(seed)
    codes = sorted(load(data_path(RATES), data_path(USITC_TABLE), data_path(PRODUCT_LISTS)).by_code)
    lines = []
    for number in range(count):
        code = rng.choice(codes)
        text = f"{code[:4]}.{code[4:6]}.{code[6:]}" if number % 2 else code
        if number % 100 == 99:
            text = text[:6]
        lines.append({"hts": text, "value": f"{rng.randint(100, 500_000)}.{rng.randint(0, 99):02d}",
                      "entry_date": (START + timedelta(days=rng.randrange(DAYS))).isoformat(),
                      "origin": "CN" if rng.random() < 0.9 else rng.choice(("VN", "MX", "DE", "TW"))})
    return lines


def write_file(lines: list[dict[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=("hts", "value", "entry_date", "origin"))
        writer.writeheader()
        writer.writerows(lines)


def time_lookups(lines: list[dict[str, str]]) -> float:
    """Single lookups per second: one exposure() call per line, errors included."""
    started = time.perf_counter()
    for line in lines:
        with contextlib.suppress(ValueError, LookupError):
            exposure(line["hts"], date.fromisoformat(line["entry_date"]), origin=line["origin"], value=line["value"])
    return len(lines) / (time.perf_counter() - started)


def time_file(path: Path) -> tuple[float, Summary]:
    """The import file end to end in process: CSV parsing, every answer, the summary by list."""
    started = time.perf_counter()
    summary = Summary()
    with path.open(encoding="utf-8", newline="") as handle:
        for result in answer_rows(read_rows(handle)):
            summary.add(result)
    return time.perf_counter() - started, summary


def time_cli(path: Path) -> float:
    """`exportguard tariff-file FILE --format json` as a user runs it, interpreter start-up included."""
    started = time.perf_counter()
    command = Path(sys.executable).with_name("exportguard")
    subprocess.run([str(command), "tariff-file", str(path), "--format", "json"], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def time_screening(count: int) -> tuple[float, float]:
    """Index build seconds, and names screened per second over ``count`` names."""
    started = time.perf_counter()
    screener = default_screener()
    build = time.perf_counter() - started
    _, positives, negatives = load_all()
    corpus = [case.query for case in positives + negatives]
    names = (corpus * (count // len(corpus) + 1))[:count]
    started = time.perf_counter()
    for name in names:
        screener.screen(name)
    return build, count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    started = time.perf_counter()
    load(data_path(RATES), data_path(USITC_TABLE), data_path(PRODUCT_LISTS))
    schedule_seconds = time.perf_counter() - started
    lines = import_lines(args.lines)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "imports.csv"
        write_file(lines, path)
        lookups = time_lookups(lines)
        file_seconds, summary = time_file(path)
        cli_seconds = time_cli(path)
    build_seconds, screening = time_screening(args.lines)
    report = {
        "lines": args.lines, "schedule_load_seconds": schedule_seconds, "lookups_per_second": lookups,
        "file_seconds": file_seconds, "file_lines_per_second": args.lines / file_seconds,
        "cli_file_seconds": cli_seconds, "screening_index_build_seconds": build_seconds,
        "screening_names_per_second": screening, "screening_seconds": args.lines / screening,
        "summary": summary.to_dict(),
    }  # fmt: skip
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


def print_report(report: dict) -> None:  # type: ignore[type-arg]
    lines, screening = report["lines"], report["screening_names_per_second"]
    summary = report["summary"]
    print(f"import file: {lines:,} lines ({summary['errors']:,} malformed, {summary['indeterminate']:,} indeterminate, "
          f"{summary['no_duty']:,} without duty); duty {summary['total_duty']:,.0f} USD")
    print(f"schedule load          {report['schedule_load_seconds']:8.2f} s")
    print(f"tariff lookups         {report['lookups_per_second']:8.0f} /s   screening {screening:8.0f} names/s   "
          f"ratio x{report['lookups_per_second'] / screening:.1f}")
    print(f"{lines:,}-line file      {report['file_seconds']:8.2f} s    screening {report['screening_seconds']:8.2f} s "
          f"for as many names   ratio x{report['screening_seconds'] / report['file_seconds']:.1f}")
    print(f"same file, CLI (json)  {report['cli_file_seconds']:8.2f} s    (interpreter start-up and JSON output included)")
    print(f"screening index build  {report['screening_index_build_seconds']:8.2f} s    (baseline start-up)")


if __name__ == "__main__":
    main()
