"""The monitoring commands end to end on the Entity List excerpt: load, import, re-screen, change, diff."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from exportguard.cli.app import load_commands
from exportguard.store.audit import AuditRecord
from exportguard.store.base import make_engine, session_factory
from exportguard.store.monitoring import CustomerRecord
from exportguard.store.writes import write_transaction

runner = CliRunner()
app = load_commands()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EXPORTGUARD_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    return tmp_path


#: The 12-entry excerpt is far below the bundled Entity List: its first load needs an admin override.
FORCE = ["--force", "--reason", "12-entry test excerpt"]


def _json(args: list[str]) -> object:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _changed_list(fixtures: Path, target: Path) -> Path:
    """The excerpt as a later edition would publish it: one entry gone, one with a new alias."""
    document = json.loads((fixtures / "bis_entity_list_excerpt.json").read_text(encoding="utf-8"))
    document["entities"] = [e for e in document["entities"] if e["name"] != "5th Shipyard"]
    farid = next(e for e in document["entities"] if e["name"] == "Fazal Rahim Farid")
    farid["aliases"].append("Fazal Farid")
    target.write_text(json.dumps(document), encoding="utf-8")
    return target


def test_load_import_rescreen_change_and_diff(database: Path, fixtures: Path) -> None:
    excerpt = str(fixtures / "bis_entity_list_excerpt.json")
    first = _json(["lists", "update", excerpt, "--format", "el", "--output", "json", *FORCE])
    customers = database / "customers.csv"
    customers.write_text("id,name,country\nK-1,Fazal Rahim Farid,AF\nK-2,5th Shipyard,RU\nK-3,Volvo Cars AB,SE\n",
                         encoding="utf-8")
    imported = _json(["customers", "import", str(customers), "--format", "json"])
    assert imported == {"added": 3, "updated": 0, "skipped": []}
    screened = _json(["rescreen", "--format", "json", "--processes", "1"])
    # Fazal Rahim Farid on the loaded Entity List and on the bundled UN list; 5th Shipyard.
    assert screened["mode"] == "full" and screened["new"] == 3
    changed = _changed_list(fixtures, database / "el_next.json")
    second = _json(["lists", "update", str(changed), "--format", "el", "--output", "json", "--max-drop", "0.2"])
    assert (second["removed"], second["modified"]) == (1, 1)
    again = _json(["rescreen", "--format", "json", "--processes", "1"])
    assert again["mode"] == "delta" and again["retired"] == 1
    changes = _json(["lists", "diff", first["version"], second["version"], "--format", "json"])
    old_aliases = ["Fazel Rahim Farid", "Farid", "Engineer Idris"]
    assert changes["modified"] == [{"key": changes["modified"][0]["key"], "name": "Fazal Rahim Farid",
                                    "fields": ["aliases"], "changes": [
                                        {"field": "aliases", "old": old_aliases, "new": [*old_aliases, "Fazal Farid"]}]}]
    assert _json(["lists", "diff", "el@previous", "el@current", "--format", "json"]) == changes
    assert _json(["lists", "diff", first["version"][:9], second["version"], "--format", "json"]) == changes
    _json(["lists", "update", str(fixtures / "csl_excerpt.csv"), "--format", "csl", "--output", "json", *FORCE])
    across = runner.invoke(app, ["lists", "diff", first["version"], "csl@current"])
    assert across.exit_code == 2 and "same list" in across.output
    unknown = runner.invoke(app, ["lists", "diff", "el@nowhere", second["version"]])
    assert unknown.exit_code == 2 and "Unknown version: el@nowhere" in unknown.output
    versions = _json(["lists", "versions", "--format", "json"])
    assert [(v["source"], v["current"]) for v in versions] == [("csl", True), ("el", True), ("el", False)]


def test_truncated_list_is_refused(database: Path, fixtures: Path) -> None:
    excerpt = str(fixtures / "bis_entity_list_excerpt.json")
    _json(["lists", "update", excerpt, "--format", "el", "--output", "json", *FORCE])
    document = json.loads((fixtures / "bis_entity_list_excerpt.json").read_text(encoding="utf-8"))
    document["entities"] = document["entities"][:6]
    truncated = database / "el_truncated.json"
    truncated.write_text(json.dumps(document), encoding="utf-8")
    result = runner.invoke(app, ["lists", "update", str(truncated), "--format", "el"])
    assert result.exit_code == 1 and "list_shrank EL: 6 entries where there were 12 (50.0% fewer" in result.output
    versions = _json(["lists", "versions", "--format", "json"])
    assert len(versions) == 1 and versions[0]["current"]


def test_customer_file_without_name_column_is_refused(database: Path) -> None:
    bad = database / "customers.csv"
    bad.write_text("id,company\n1,Acme\n", encoding="utf-8")
    result = runner.invoke(app, ["customers", "import", str(bad)])
    assert result.exit_code == 1 and "missing column(s) name" in result.output


def test_first_run_screens_the_example_customers_against_the_bundled_list(database: Path) -> None:
    """The README's main job: the example file's blank-name row is skipped, the bundled lists loaded."""
    example = Path(__file__).parents[1] / "examples" / "customers.csv"
    imported = _json(["customers", "import", str(example), "--format", "json"])
    assert imported["added"] == 17 and imported["skipped"] == [{"row": 15, "error": "customer_id and name are required"}]
    screened = _json(["rescreen", "--format", "json", "--processes", "1"])
    parts = {part.split("@")[0] for part in screened["version"].removeprefix("combined@").split("+")}
    assert {"el", "sdn", "dpl", "meu", "un", "cons", "csl", "cn"} <= parts and screened["mode"] == "full"
    queue = _json(["hits", "--format", "json", "--limit", "500"])
    assert isinstance(queue, list) and len(queue) == screened["new"]
    flagged = {row["customer"] for row in queue}
    assert {"C-1002", "C-1004"} <= flagged  # Huawei Device; Huawei Technologies in Chinese script
    assert not flagged & {"C-1001", "C-1013", "C-1015"}  # Micron, Google, Apple
    assert all(row["score"] >= 0.8 and row["status"] == "new" for row in queue)
    # The Entity List names Huawei Device once per address: the queue tells those entries apart.
    device = [row for row in queue if row["customer"] == "C-1002" and row["matched_name"] == "Huawei Device Co., Ltd."]
    assert len(device) > 1 and len({row["listed_address"] for row in device}) == len(device)
    # ... and groups them: one group per customer and listed entity family, every row labelled with it.
    huawei = [row for row in queue if row["customer"] == "C-1004"]
    assert len({row["group"] for row in huawei}) < len(huawei)
    assert all(row["group_rows"] == sum(other["group"] == row["group"] for other in huawei) for row in huawei)
    assert any("listed rows" in row["group"] or "listed affiliate" in row["group"] for row in huawei)
    groups = len({(row["customer"], row["group"]) for row in queue})
    title = runner.invoke(app, ["hits", "--limit", "3"]).stdout
    assert re.search(rf"3 of {groups} groups, \d+ of {len(queue)} new hits \(more with --limit\)", title), title


def test_added_and_renamed_customers_are_screened_without_a_list_change(database: Path, fixtures: Path) -> None:
    _json(["lists", "update", str(fixtures / "bis_entity_list_excerpt.json"), "--format", "el", "--output", "json",
           *FORCE])
    customers = database / "customers.csv"
    customers.write_text("id,name\nK-1,Volvo Cars AB\n", encoding="utf-8")
    _json(["customers", "import", str(customers), "--format", "json"])
    assert _json(["rescreen", "--format", "json", "--processes", "1"])["new"] == 0
    customers.write_text("id,name\nK-1,Fazal Rahim Farid\nK-2,5th Shipyard\n", encoding="utf-8")
    assert _json(["customers", "import", str(customers), "--format", "json"])["updated"] == 1
    again = _json(["rescreen", "--format", "json", "--processes", "1"])
    assert again["mode"] == "delta" and again["new"] >= 2
    flagged = {row["customer"] for row in _json(["hits", "--format", "json"])}  # type: ignore[union-attr]
    assert flagged == {"K-1", "K-2"}
    assert _json(["rescreen", "--format", "json", "--processes", "1"])["new"] == 0  # nothing changed since


def test_rescreen_and_hits_say_how_old_the_lists_in_force_are(database: Path, fixtures: Path) -> None:
    excerpt = fixtures / "bis_entity_list_excerpt.json"
    _json(["lists", "update", str(excerpt), "--format", "el", "--as-of", "2019-11-04", "--output", "json", *FORCE])
    customers = database / "customers.csv"
    customers.write_text("id,name,country\nK-1,Fazal Rahim Farid,AF\n", encoding="utf-8")
    _json(["customers", "import", str(customers), "--format", "json"])
    for args in (["rescreen", "--processes", "1"], ["hits"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert "lists as of" in result.stderr
        assert "stale lists" in result.stderr and "EL 2019-11-04" in result.stderr


#: Rows the screener refuses, with what the import must say about each: the reason, and how to fix it.
REFUSED_ROWS = [
    ("K-9,Acme Trading,USA", "got 'USA': that is a three-letter (alpha-3) code, write the two-letter one"),
    ("K-9,Acme Trading,China", "got 'CHINA': write CN for CHINA"),
    ("K-9,Acme Trading,XX", "country must be an ISO 3166 alpha-2 code such as CN, RU or IR (see ISO 3166-1), got 'XX'"),
    (f"K-9,{'A' * 501},CN", "name is longer than 500 characters"),
]


@pytest.mark.parametrize(("row", "reason"), REFUSED_ROWS)
def test_import_refuses_a_row_the_screener_would_refuse_and_says_why(database: Path, row: str, reason: str) -> None:
    customers = database / "customers.csv"
    customers.write_text(f"id,name,country\nK-1,Volvo Cars AB,SE\n{row}\n", encoding="utf-8")
    imported = _json(["customers", "import", str(customers), "--format", "json"])
    assert imported["added"] == 1 and [skip["row"] for skip in imported["skipped"]] == [3]  # type: ignore[index]
    assert reason in imported["skipped"][0]["error"]  # type: ignore[index]
    table = runner.invoke(app, ["customers", "import", str(customers)])
    assert table.exit_code == 0 and table.stderr.startswith("customers.csv, row 3: ")
    assert reason in table.stderr and table.stderr.endswith("; skipped\n")


def _store_directly(database: Path, customers: list[tuple[str, str, str | None]]) -> None:
    """Customers written to the database as an older version, or another program, could: past the import's checks."""
    with write_transaction(session_factory(make_engine(f"sqlite:///{database / 'cli.db'}"))) as session:
        session.add_all(CustomerRecord(external_ref=ref, name=name, country=country) for ref, name, country in customers)


#: Stored customers the screener refuses, and the reason every re-screen must give for each.
UNSCREENABLE = {"B-1": ("Acme Trading", "USA", "got 'USA'"), "B-2": ("Acme Trading", "China", "got 'China'"),
                "B-3": ("Acme Trading " * 40, None, "name is longer than 500 characters"),
                "B-4": ("Fazal Rahim Farid", "XX", "got 'XX'")}


def test_a_stored_customer_the_screener_refuses_is_indeterminate_in_every_rescreen(
    database: Path, fixtures: Path
) -> None:
    _json(["lists", "update", str(fixtures / "bis_entity_list_excerpt.json"), "--format", "el", "--output", "json",
           *FORCE])
    customers = database / "customers.csv"
    customers.write_text("id,name,country\nK-1,Fazal Rahim Farid,AF\nK-2,Volvo Cars AB,SE\n", encoding="utf-8")
    _json(["customers", "import", str(customers), "--format", "json"])
    _store_directly(database, [(ref, name, country) for ref, (name, country, _reason) in UNSCREENABLE.items()])

    def reported(args: list[str]) -> dict[str, object]:
        result = runner.invoke(app, [*args, "--format", "json"])
        assert result.exit_code == 1, result.output  # an answer the engine cannot back fails the run
        counts = json.loads(result.stdout)
        listed = {customer["customer"]: customer["reason"] for customer in counts["unscreenable_customers"]}
        assert counts["unscreenable"] == 4 and listed.keys() == UNSCREENABLE.keys()
        assert all(UNSCREENABLE[ref][2] in reason for ref, reason in listed.items())
        return counts  # type: ignore[no-any-return]

    first = reported(["rescreen", "--processes", "1"])
    assert first["mode"] == "full" and first["new"] == 2  # K-1 on the Entity List and the UN list, not B-4
    hits = _json(["hits", "--format", "json"])
    assert {row["customer"] for row in hits} == {"K-1"}  # type: ignore[union-attr]
    table = runner.invoke(app, ["rescreen", "--processes", "1"])
    assert table.exit_code == 1 and table.stdout.count("INDETERMINATE") == 4
    assert all(ref in table.stdout for ref in UNSCREENABLE)
    _json(["lists", "update", str(_changed_list(fixtures, database / "el_next.json")), "--format", "el",
           "--output", "json", "--max-drop", "0.2"])
    assert reported(["rescreen", "--processes", "1"])["mode"] == "delta"
    reported(["customers", "unscreenable"])
    with session_factory(make_engine(f"sqlite:///{database / 'cli.db'}"))() as session:
        audited = [record.details for record in session.scalars(
            select(AuditRecord).where(AuditRecord.action == "customers.rescreened"))]
    assert [details["unscreenable"] for details in audited] == [4, 4, 4]
