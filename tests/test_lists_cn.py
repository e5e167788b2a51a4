"""China's counter-lists: loaded as lists of their own, screened in both scripts, dated, explained, selectable,
versioned and diffed like the US lists, and reported in a determination without touching the US status."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

import exportguard
from exportguard.cli.app import load_commands
from exportguard.lists import cn_sanctions
from exportguard.lists.bundled import BUNDLED_COUNTER_LISTS, counter_lists_snapshot, data_path
from exportguard.lists.errors import ListFormatError
from exportguard.matching.screener import Screener
from exportguard.rules.model import Kind
from exportguard.rules.parties import ScreenerMatcher
from tests.rules_support import party, shipment, small_matcher

runner = CliRunner()
app = load_commands()
SOURCE = data_path(BUNDLED_COUNTER_LISTS)


def _rows() -> tuple[list[str], list[dict[str, str]]]:
    with SOURCE.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header)
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_every_listing_lands_on_a_coded_list_with_its_date_and_announcement() -> None:
    snapshot = counter_lists_snapshot()
    counts = {code: sum(p.list_code == code for p in snapshot.parties) for code in cn_sanctions.LIST_CODES}
    assert counts == {"CN-UEL": 66, "CN-ECL": 153, "CN-ECWL": 40, "CN-CM": 271, "CN-TAO": 23}
    assert snapshot.version.source == "cn" and snapshot.version.as_of == date(2026, 8, 5)
    lockheed = next(p for p in snapshot.parties if p.list_code == "CN-UEL" and p.name == "Lockheed Martin Corporation")
    assert lockheed.start_date == date(2023, 2, 16)
    assert "洛克希德·马丁公司" in lockheed.aliases
    assert lockheed.source_url.startswith("http://www.mofcom.gov.cn/")
    assert "Ministry of Commerce announcement of 16.02.23" in lockheed.federal_register_notice
    assert "Unreliable Entity List" in lockheed.license_requirement


def test_a_name_announced_twice_on_one_list_is_one_entry_from_its_first_date() -> None:
    _header, rows = _rows()
    listings = [r for r in rows if r["Name"] == "Skydio Inc." and r["List"] in cn_sanctions._LIST_OF
                and cn_sanctions._LIST_OF[r["List"]].code == "CN-CM"]
    assert len(listings) >= 2
    skydio = next(p for p in counter_lists_snapshot().parties if p.key.startswith("CN-CM") and p.name == "Skydio Inc.")
    assert skydio.start_date == min(cn_sanctions._date(r["Date"], "", 0, "") for r in listings)
    assert skydio.federal_register_notice.count("announcement") == len(listings)


@pytest.mark.parametrize("query", ["Lockheed Martin", "洛克希德·马丁", "Lockheed Martin Corporation", "洛克希德·马丁公司"])
def test_english_and_chinese_names_hit_the_same_entry(screener: Screener, query: str) -> None:
    hits = screener.screen(query, lists={"CN-UEL"})
    assert hits and hits[0].party.name == "Lockheed Martin Corporation" and hits[0].band == "strong"


def test_counter_lists_are_selectable_like_the_us_lists(screener: Screener) -> None:
    assert not screener.screen("Lockheed Martin Corporation", lists={"EL", "SDN"})
    assert {h.party.list_code for h in screener.screen("Lockheed Martin Corporation")} >= {"CN-UEL", "CN-ECL"}


def test_screen_command_explains_the_listing(screener: Screener) -> None:
    result = runner.invoke(app, ["screen", "洛克希德·马丁", "--list", "CN-UEL", "--format", "json"])
    assert result.exit_code == 1, result.output
    hit = json.loads(result.stdout)["hits"][0]
    assert hit["list"] == "CN-UEL" and hit["start_date"] == "2023-02-16"
    assert "mofcom.gov.cn" in hit["federal_register"] and "import and export" in hit["license_requirement"]


@pytest.mark.parametrize(("column", "value", "message"), [
    ("List", "Some New List", "unknown list"),
    ("Date", "2023-02-16", "DD.MM.YYYY"),
    ("Name", " ", "no name"),
])  # fmt: skip
def test_malformed_files_load_nothing(tmp_path: Path, column: str, value: str, message: str) -> None:
    header, rows = _rows()
    rows[3][column] = value
    with pytest.raises(ListFormatError, match=message):
        cn_sanctions.load(_write(tmp_path / "cn.csv", header, rows))


def test_versions_diff_and_rescreen_take_the_counter_lists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPORTGUARD_DATABASE_URL", f"sqlite:///{tmp_path / 'cn.db'}")
    header, rows = _rows()
    edition_2024 = [r for r in rows if r["Date"] and cn_sanctions._date(r["Date"], "", 0, "") < date(2025, 1, 1)]
    older = _write(tmp_path / "cn_2024.csv", header, edition_2024)
    # An older edition than the bundled one: the guard refuses it as a first load unless forced.
    first = _json(["lists", "update", str(older), "--format", "cn", "--output", "json",
                   "--force", "--reason", "the 2024 edition, to test a change to the current one"])
    customers = tmp_path / "customers.csv"
    customers.write_text("id,name,country\nC-1,Skydio Inc.,US\nC-2,洛克希德·马丁公司,US\nC-3,Volvo Cars AB,SE\n",
                         encoding="utf-8")
    _json(["customers", "import", str(customers), "--format", "json"])
    _json(["rescreen", "--format", "json", "--processes", "1"])
    second = _json(["lists", "update", str(SOURCE), "--format", "cn", "--output", "json"])
    assert second["added"] > 0 and second["removed"] == 0
    changes = _json(["lists", "diff", first["version"], second["version"], "--format", "json"])
    assert any(entry["key"].startswith("CN-ECL:") for entry in changes["added"])
    again = _json(["rescreen", "--format", "json", "--processes", "1"])
    assert again["mode"] == "delta" and again["new"] >= 1
    queue = _json(["hits", "--format", "json", "--limit", "100"])
    entries = {(row["customer"], row["entry"].split(":")[0]) for row in queue}
    assert {("C-1", "CN-CM"), ("C-2", "CN-UEL"), ("C-1", "CN-ECL")} <= entries
    versions = _json(["lists", "versions", "--format", "json"])
    assert [v["source"] for v in versions if v["current"]] == ["cn"]


def _json(args: list[str]) -> object:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


LOCKHEED = party("Lockheed Martin Corporation", role="other", country="US")
HUAWEI_BUYER = party("Huawei Technologies Co., Ltd.")


def test_determination_adds_a_counter_measure_finding_from_its_date() -> None:
    after = exportguard.determine(shipment("2023-03-01", HUAWEI_BUYER, LOCKHEED))
    counter = [f for f in after.findings if f.kind is Kind.COUNTER_MEASURE]
    assert [f.entry.split(":")[0] for f in counter] == ["CN-UEL"]
    assert "mofcom.gov.cn" in counter[0].sources[0] and counter[0].rule == "R11-CN-COUNTER"
    before = exportguard.determine(shipment("2023-02-15", HUAWEI_BUYER, LOCKHEED))
    assert not [f for f in before.findings if f.kind is Kind.COUNTER_MEASURE]


def test_a_transaction_not_touching_china_gets_no_counter_measure_finding() -> None:
    away = shipment("2023-03-01", party("Lockheed Martin Corporation", role="ultimate_consignee", country="US"),
                    destination="DE")
    assert not [f for f in exportguard.determine(away).findings if f.kind is Kind.COUNTER_MEASURE]


@pytest.mark.parametrize("day", ["2019-11-10", "2020-06-01", "2023-03-01"])
def test_counter_lists_never_change_the_us_status(day: str) -> None:
    transaction = shipment(day, HUAWEI_BUYER, LOCKHEED)
    us_only = exportguard.determine(transaction, matcher=small_matcher())
    cn_parties = tuple(p for p in counter_lists_snapshot().parties if "lockheed" in p.name.lower())
    us = small_matcher().screener.snapshot
    both = ScreenerMatcher(Screener(type(us)(us.version, us.parties + cn_parties)))
    with_counter_lists = exportguard.determine(transaction, matcher=both)
    assert with_counter_lists.status == us_only.status
    assert [f for f in with_counter_lists.findings if f.kind is not Kind.COUNTER_MEASURE] == list(us_only.findings)
    assert any(f.kind is Kind.COUNTER_MEASURE for f in with_counter_lists.findings) == (day >= "2023-02-16")
