"""The screen and screen-file commands: formats, exit codes, per-row errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from exportguard.cli.app import load_commands

runner = CliRunner()
app = load_commands()
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_screen_json_reports_hits_and_exit_status_one() -> None:
    result = runner.invoke(app, ["screen", "Huawei Device Co Ltd", "--country", "CN", "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["hits"][0]["list"] == "EL"
    assert data["hits"][0]["name"].startswith("Huawei Device")
    assert "Presumption of denial" in data["hits"][0]["license_policy"]


def test_screen_without_hit_exits_zero() -> None:
    result = runner.invoke(app, ["screen", "Robert Bosch GmbH"])
    assert result.exit_code == 0
    assert "No hit" in result.stdout


def test_screen_table_names_the_list_version() -> None:
    result = runner.invoke(app, ["screen", "Sugon"])
    assert "csl@" in result.stdout and "Sugon" in result.stdout


def test_screen_rejects_bad_country_with_exit_two() -> None:
    result = runner.invoke(app, ["screen", "Sugon", "--country", "China"])
    assert result.exit_code == 2


def test_screen_file_writes_hits_and_reports_bad_rows(tmp_path: Path) -> None:
    output = tmp_path / "hits.csv"
    result = runner.invoke(app, ["screen-file", str(EXAMPLES / "customers.csv"), "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert "1 rejected" in result.stdout
    assert "row 15" in result.stderr
    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    flagged = {row["query"] for row in rows}
    assert {"Huawei Device Co Ltd", "华为技术有限公司", "Sugon Information Industry"} <= flagged
    assert not flagged & {"Micron Technology Inc", "Intel Corporation", "Google LLC", "Apple Inc."}


def test_screen_file_refuses_a_file_without_the_name_column(tmp_path: Path) -> None:
    source = tmp_path / "parties.csv"
    source.write_text("company,country\nSugon,CN\n", encoding="utf-8")
    result = runner.invoke(app, ["screen-file", str(source), "-o", str(tmp_path / "out.csv")])
    assert result.exit_code == 2
    assert "no 'name' column" in result.stderr


def test_screen_against_a_user_supplied_list_file(fixtures: Path) -> None:
    result = runner.invoke(
        app, ["screen", "Hikvision", "--format", "json", "--list-file", str(fixtures / "csl_excerpt.csv")]
    )
    assert result.exit_code == 1
    assert "csl@" in json.loads(result.stdout)["hits"][0]["list_version"]
