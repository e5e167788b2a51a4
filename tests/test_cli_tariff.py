"""The tariff and tariff-file commands and the library call: formats, exit codes, per-line errors, totals."""

from __future__ import annotations

import csv
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

import exportguard
from exportguard.cli.app import load_commands
from exportguard.tariffs.batch import Summary, answer_rows
from exportguard.tariffs.exposure import Exposure

runner = CliRunner()
app = load_commands()
IMPORTS = Path(__file__).resolve().parent.parent / "examples" / "imports.csv"


def test_tariff_json_gives_list_heading_rate_notice_and_duty() -> None:
    result = runner.invoke(app, ["tariff", "64039990", "--as-of", "2019-09-01", "--value", "1000", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["hts"], data["list"], data["heading"], data["rate_pct"], data["duty"]) == (
        "6403.99.90", "4A", "9903.88.15", 15.0, 150.0)
    assert data["notice"] == "84 FR 43304; 84 FR 45821"
    assert any("exclusions are not modelled" in caveat for caveat in data["caveats"])


def test_tariff_table_shows_the_suspension_of_list_4b() -> None:
    result = runner.invoke(app, ["tariff", "9504.50.00", "--as-of", "2019-12-15"])
    assert result.exit_code == 0
    assert "NO_DUTY" in result.stdout and "84 FR 69447" in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["tariff", "8517.12"], "not an HTS code"),
    (["tariff", "0101.99.99"], "cannot tell"),
    (["tariff", "8517.12.00", "--as-of", "2019-13-01"], "not an ISO date"),
    (["tariff", "8517.12.00", "--value", "lots"], "not a number"),
])  # fmt: skip
def test_bad_input_exits_two_with_a_clear_message(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())


def test_indeterminate_code_exits_one() -> None:
    assert runner.invoke(app, ["tariff", "8517.62.00", "--as-of", "2019-06-01"]).exit_code == 1


def test_tariff_file_json_sums_duty_by_list_and_reports_bad_lines(tmp_path: Path) -> None:
    result = runner.invoke(app, ["tariff-file", str(IMPORTS), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    summary = data["summary"]
    assert summary["by_list"] == {
        "3": {"lines": 1, "value": 12000.0, "duty": 3000.0},
        "4A": {"lines": 2, "value": 80000.0, "duty": 9000.0},
        "2024 review": {"lines": 1, "value": 90000.0, "duty": 45000.0},
    }
    assert (summary["lines"], summary["no_duty"], summary["indeterminate"], summary["errors"]) == (11, 3, 1, 3)
    assert summary["total_duty"] == 57000.0
    errors = {line["line"]: line["error"] for line in data["lines"] if line["error"]}
    assert set(errors) == {10, 11, 12}
    assert "cannot tell" in errors[10] and "not an HTS code" in errors[11] and "ISO date" in errors[12]


def test_tariff_file_writes_csv_lines(tmp_path: Path) -> None:
    out = tmp_path / "exposure.csv"
    result = runner.invoke(app, ["tariff-file", str(IMPORTS), "-o", str(out)])
    assert "Section 301 duty exposure by list" in result.stdout
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 11
    assert rows[0]["exposure"] == "NO_DUTY" and rows[0]["heading"] == "9903.88.16"
    assert rows[2]["duty"] == "6000.00" and rows[2]["notice"] == "84 FR 43304; 84 FR 45821"


def test_tariff_file_without_the_columns_exits_two(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("code,amount\n8517.12.00,1\n", encoding="utf-8")
    result = runner.invoke(app, ["tariff-file", str(bad)])
    assert result.exit_code == 2 and "missing column" in result.stderr


def test_library_call_matches_the_cli() -> None:
    answer = exportguard.tariff("8542.31.00", "2025-01-01", value=100)
    assert (answer.heading, answer.rate_pct, answer.duty) == ("9903.91.05", Decimal(50), Decimal("50.00"))
    assert exportguard.tariff("8542.31.00", date(2024, 12, 31)).heading == "9903.88.02"


LINE = st.fixed_dictionaries({
    "hts": st.sampled_from(["8517.12.00", "6403.99.90", "0303.55.00", "8542.31.00", "8517.62.00", "8517.12", "x"]),
    "value": st.one_of(st.integers(0, 10**7).map(str), st.just("-5"), st.just("")),
    "entry_date": st.dates(date(2018, 1, 1), date(2027, 1, 1)).map(date.isoformat) | st.just("soon"),
    "origin": st.sampled_from(["CN", "cn", "VN", "", "CHN"]),
})  # fmt: skip


@given(st.lists(LINE, max_size=30))
def test_summary_adds_up_to_its_lines(lines: list[dict[str, str]]) -> None:
    summary = Summary()
    results = list(answer_rows(enumerate(lines, start=2)))
    for result in results:
        summary.add(result)
    assert summary.lines == len(lines) == sum(1 for _ in results)
    with_duty = [r for r in results if r.answer is not None and r.answer.exposure is Exposure.DUTY]
    assert summary.lines == summary.errors + summary.no_duty + summary.indeterminate + len(with_duty)
    assert summary.total_duty == sum((r.answer.duty or Decimal(0) for r in with_duty if r.answer), Decimal(0))
    assert all((r.error is None) == (r.answer is not None) for r in results)
