"""The screen and screen-file commands: formats, exit codes, per-row errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exportguard.cli.app import load_commands
from exportguard.matching.model import DEFAULT_THRESHOLD

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


def test_screen_says_possible_matches_below_the_threshold() -> None:
    result = runner.invoke(app, ["screen", "Huawai Technolgies", "--threshold", "0.95"])
    assert result.exit_code == 0
    assert "No hit at ≥ 0.95;" in result.stdout and "possible match" in result.stdout


@pytest.mark.parametrize(
    ("query", "entity"),
    [("Huawai Technolgies", "HUAWEI TECHNOLOGIES"),
     ("Zhejiang Dahau Technology", "DAHUA TECHNOLOGY"),
     ("Hikvison Digtal Tecnology", "HIKVISION DIGITAL TECHNOLOGY"),
     ("Huawei Trainng", "HUAWEI TRAINING"),
     ("China Academy of Electronics and Information Tehnology", "CHINA ACADEMY OF ELECTRONICS AND INFORMATION"),
     ("Hikvision USA Inc", "HIKVISION")],
)  # fmt: skip
def test_issue_11_misspelt_and_disguised_names_are_hits_at_the_default_threshold(query: str, entity: str) -> None:
    result = runner.invoke(app, ["screen", query, "--format", "json"])
    assert result.exit_code == 1, result.stdout
    data = json.loads(result.stdout)
    assert data["threshold"] == DEFAULT_THRESHOLD
    assert any(entity in group["label"].upper() for group in data["groups"]), [g["label"] for g in data["groups"]]


def test_screen_json_groups_an_entitys_rows() -> None:
    result = runner.invoke(app, ["screen", "华为技术有限公司", "--format", "json"])
    data = json.loads(result.stdout)
    assert data["groups_shown"] <= data["groups_total"]
    assert data["summary"].startswith(f"{data['groups_shown']} of {data['groups_total']} listed entities")
    assert data["groups"][0]["rows"] > 1 and "listed rows" in data["groups"][0]["label"]


def test_screen_rejects_unknown_list_or_country_code_with_exit_two() -> None:
    assert runner.invoke(app, ["screen", "Hikvision", "--list", "FOO"]).exit_code == 2
    assert runner.invoke(app, ["screen", "Hikvision", "--country", "XX"]).exit_code == 2
    assert runner.invoke(app, ["screen", "Hikvision", "--list", "el"]).exit_code == 1


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


def test_screen_file_keeps_customer_ids_and_writes_the_rejected_rows(tmp_path: Path) -> None:
    output = tmp_path / "hits.csv"
    result = runner.invoke(app, ["screen-file", str(EXAMPLES / "customers.csv"), "-o", str(output)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    assert {row["customer_id"] for row in rows if row["query"] == "Huawei Device Co Ltd"} == {"C-1002"}
    assert all(row["customer_id"].startswith("C-") for row in rows)
    rejected = list(csv.DictReader((tmp_path / "hits.rejected.csv").open(encoding="utf-8")))
    assert [(r["row"], r["error"]) for r in rejected] == [("15", "name must be a non-empty string")]
    assert rejected[0]["customer_id"] and "Rejected rows written to" in result.stdout


def test_screen_file_limit_caps_the_hits_per_row(tmp_path: Path) -> None:
    output = tmp_path / "hits.csv"
    result = runner.invoke(app, ["screen-file", str(EXAMPLES / "customers.csv"), "-o", str(output), "--limit", "1"])
    assert result.exit_code == 0, result.output
    rows = [row["row"] for row in csv.DictReader(output.open(encoding="utf-8"))]
    assert rows and len(rows) == len(set(rows))


def test_screen_file_refuses_an_unwritable_output_before_screening(tmp_path: Path, monkeypatch) -> None:
    def no_screening(_list_file: object) -> None:
        raise AssertionError("screened before checking the output path")

    monkeypatch.setattr("exportguard.cli.screen._screener", no_screening)
    result = runner.invoke(app, ["screen-file", str(EXAMPLES / "customers.csv"), "-o", "/missing/dir/x.csv"])
    assert result.exit_code == 2
    assert "Cannot write /missing/dir/x.csv" in _flat(result.stderr) and "does not exist" in _flat(result.stderr)
    folder = runner.invoke(app, ["screen-file", str(EXAMPLES / "customers.csv"), "-o", str(tmp_path)])
    assert folder.exit_code == 2 and "it is a folder" in _flat(folder.stderr)


def _flat(text: str) -> str:
    """Rich wraps long lines at the terminal width."""
    return " ".join(text.split())
