"""The bundled lists: each from its newest public file, dated, with the 2022 policies carried over;
the new loaders (UN XML, nsfreg JSON, parsed SDN, OFAC non-SDN) on the real files; freshness."""

from __future__ import annotations

import gzip
from datetime import date, datetime, tzinfo
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exportguard.cli.monitor import ListFormat
from exportguard.lists import freshness as freshness_module
from exportguard.lists import nsfreg_json, ofac_consolidated, un_consolidated
from exportguard.lists.bundled import bundled_parts, data_path, default_snapshot, parts_in_use
from exportguard.lists.errors import ListFormatError
from exportguard.lists.freshness import dated_lists, freshness
from exportguard.lists.model import POLICY_NOT_IN_SOURCE, layered
from exportguard.lists.sources import SOURCES
from exportguard.matching.screener import default_screener
from exportguard.rules import determine

#: Each list in force out of the box, the version it comes from and its as-of date (PROVENANCE.md).
EXPECTED = {
    "EL": ("el", date(2026, 7, 9), 3409), "SDN": ("sdn", date(2026, 8, 20), 19249),
    "DPL": ("dpl", date(2026, 4, 14), 564), "MEU": ("meu", date(2026, 7, 9), 70),
    "CMIC": ("cmic", date(2026, 7, 9), 68), "DTC": ("dtc", date(2023, 6, 1), 787),
    "ISN": ("isn", date(2025, 5, 1), 528), "UN": ("un", date(2026, 2, 27), 1003),
    "SSI": ("cons", date(2025, 12, 19), 286), "PLC": ("cons", date(2025, 12, 19), 78),
    "CAP": ("cons", date(2025, 12, 19), 1), "NS-MBS": ("cons", date(2025, 12, 19), 9),
    "UVL": ("csl", date(2022, 4, 21), 201), "FSE": ("csl", date(2022, 4, 21), 3),
}  # fmt: skip


def test_every_list_comes_from_its_newest_bundled_file_with_its_date() -> None:
    dated = {d.list_code: (d.version_id.split("@")[0], d.as_of, d.entries) for d in default_snapshot().list_dates()}
    counter_lists = {code: row for code, row in dated.items() if code.startswith("CN-")}
    assert {code: row for code, row in dated.items() if code not in counter_lists} == EXPECTED
    assert {(source, as_of) for source, as_of, _ in counter_lists.values()} == {("cn", date(2026, 8, 5))}
    assert len(default_snapshot().parties) == sum(count for _, _, count in dated.values())
    assert all(d.provenance for d in default_snapshot().list_dates())


def test_the_2022_to_2026_additions_are_hits_out_of_the_box() -> None:
    screener = default_screener()
    yangtze = screener.screen("Yangtze Memory Technologies")
    assert {hit.party.name for hit in yangtze if hit.party.list_code == "EL"} >= {"Yangtze Memory Technologies Co., Ltd."}
    assert yangtze[0].party.start_date == date(2022, 12, 19)  # 87 FR 77508, 12/19/22
    assert any(hit.party.list_code == "EL" for hit in screener.screen("Semiconductor Manufacturing International"))


def test_entity_list_policies_come_from_2022_where_the_entry_was_listed_then() -> None:
    entity_list = bundled_parts()[0]
    by_name = {party.name: party for party in entity_list.parties}
    hikvision = next(p for name, p in by_name.items() if name.startswith("Hangzhou Hikvision"))
    assert hikvision.license_policy.startswith("Case-by-case review for ECCNs 1A004.c")
    yangtze = by_name["Yangtze Memory Technologies Co., Ltd."]
    assert yangtze.license_policy == POLICY_NOT_IN_SOURCE
    with_policy = sum(party.license_policy != POLICY_NOT_IN_SOURCE for party in entity_list.parties)
    assert (with_policy, len(entity_list.parties) - with_policy) == (1892, 1517)


def test_a_determination_flags_a_policy_the_source_lacks() -> None:
    """Chengdu GaStone (EL since 2014) is on the eCFR list under a name the 2022 CSL did not use."""
    shipment = {"type": "export", "date": "2020-01-15", "destination": "CN",
                "items": [{"eccn": "EAR99", "description": "test item", "value": 1000}],
                "parties": [{"name": "Chengdu GaStone Technology Co., Ltd.", "role": "ultimate_consignee",
                             "country": "CN"}]}
    result = determine(shipment)
    entity_list = [f for f in result.findings if f.entry and f.entry.startswith("EL:")]
    assert entity_list and all(f.uncertain for f in entity_list)
    assert "review policy is not in this list source" in entity_list[0].uncertain_reason
    assert result.to_dict()["list_freshness"]["warnings"]


def test_parts_in_use_are_cut_to_the_lists_they_supply_under_their_own_ids() -> None:
    parts = {part.version.source: part for part in parts_in_use()}
    csl = parts["csl"]
    assert {p.list_code for p in csl.parties} == {"UVL", "FSE"} and "(FSE,UVL)" in csl.version.file_name
    assert csl.version.id != next(p for p in bundled_parts() if p.version.source == "csl").version.id
    assert sum(len(part.parties) for part in parts.values()) == len(default_snapshot().parties)


def test_freshness_warns_on_lists_older_than_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    dated = freshness(default_snapshot(), today=date(2026, 8, 25))
    stale = {w.split(":")[0] for w in dated.warnings}
    assert {code for code in stale if not code.startswith("CN-")} == set(EXPECTED) - {"SDN"}  # SDN: 5 days old
    assert freshness(default_snapshot(), today=date(2026, 8, 25), max_age=10_000).warnings == []
    monkeypatch.setenv("EXPORTGUARD_MAX_LIST_AGE_DAYS", "2000")
    assert freshness(default_snapshot(), today=date(2026, 8, 25)).warnings == []
    row = next(r for r in dated.to_dict()["lists"] if r["list"] == "UVL")
    assert (row["as_of"], row["age_days"], row["stale"]) == ("2022-04-21", 1587, True)


def test_the_dated_lists_every_answer_carries_are_rebuilt_for_a_new_day_limit_or_snapshot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    snapshot, other = default_snapshot(), bundled_parts()[0]
    first = dated_lists(snapshot)
    assert first == freshness(snapshot).to_dict()
    assert dated_lists(snapshot) is first  # built once: every screening answer carries it
    assert dated_lists(other) == freshness(other).to_dict() != first
    monkeypatch.setenv("EXPORTGUARD_MAX_LIST_AGE_DAYS", "10000")
    assert dated_lists(snapshot) == freshness(snapshot).to_dict() != first
    monkeypatch.setattr(freshness_module, "datetime", _Tomorrow)
    assert dated_lists(snapshot)["checked_on"] == freshness(snapshot).to_dict()["checked_on"] != first["checked_on"]


class _Tomorrow(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _Tomorrow:
        return cls.fromtimestamp(datetime.now(tz).timestamp() + 86_400, tz)


def test_cli_screen_dates_its_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from exportguard.cli.app import load_commands

    monkeypatch.setenv("EXPORTGUARD_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    result = CliRunner().invoke(load_commands(), ["screen", "Yangtze Memory Technologies", "--format", "json"])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert {row["list"]: row["as_of"] for row in document["lists"]["lists"]}["EL"] == "2026-07-09"
    assert "stale lists" in result.stderr and "EL 2026-07-09" in result.stderr
    csv = CliRunner().invoke(load_commands(), ["screen", "Yangtze Memory Technologies", "--format", "csv"])
    assert csv.stdout.splitlines()[0].endswith("list_version,list_as_of") and ",2026-07-09" in csv.stdout


def test_the_un_loader_reads_individuals_and_entities() -> None:
    snapshot = un_consolidated.load(data_path("un_consolidated_2026-02.xml.gz"))
    by_id = snapshot.by_key()
    badege = by_id["UN:CDi.001"]
    assert (badege.name, badege.entity_type, badege.countries, badege.start_date) == (
        "ERIC BADEGE", "Individual", ("RW", "CD"), date(2012, 12, 31))
    adf = by_id["UN:CDe.001"]
    assert adf.entity_type == "Entity" and "Allied Democratic Forces" in adf.aliases
    assert snapshot.version.as_of == date(2026, 2, 27) and snapshot.version.party_count == 1003


@pytest.mark.parametrize(("body", "message"), [
    (b"<html><body>maintenance</body></html>", "not <CONSOLIDATED_LIST>"),
    (b"<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>", "not well-formed"),
    (b"<CONSOLIDATED_LIST/>", "no INDIVIDUAL or ENTITY"),
])
def test_a_malformed_un_file_loads_nothing(tmp_path: Path, body: bytes, message: str) -> None:
    (tmp_path / "consolidated.xml").write_bytes(body)
    with pytest.raises(ListFormatError, match=message):
        un_consolidated.load(tmp_path / "consolidated.xml")


def test_the_nsfreg_loader_maps_each_list_id(tmp_path: Path) -> None:
    dpl = nsfreg_json.load(data_path("bis_dpl_2026-04.json.gz"))
    assert {p.list_code for p in dpl.parties} == {"DPL"} and dpl.version.source == "dpl"
    unknown = tmp_path / "other.json"
    unknown.write_text('{"list_id": "fcc-covered", "entities": []}', encoding="utf-8")
    with pytest.raises(ListFormatError, match="unknown list_id 'fcc-covered'"):
        nsfreg_json.load(unknown)
    with pytest.raises(ListFormatError, match="files of different lists"):
        nsfreg_json.load(data_path("bis_dpl_2026-04.json.gz"), data_path("bis_meu_2026-07.json.gz"))


def test_the_non_sdn_file_names_each_entrys_list_from_its_programs() -> None:
    snapshot = ofac_consolidated.load(data_path("ofac_cons_2025-12"))
    row = {p.source_id: p for p in snapshot.parties}
    assert row["9639"].list_code == "PLC"  # HANIYA, Ismail Abdul Salah: program NS-PLC
    assert gzip.decompress((data_path("ofac_cons_2025-12") / "cons_prim.csv.gz").read_bytes()).count(b"\n") >= 442


def test_the_cli_formats_are_the_registry() -> None:
    assert {member.value for member in ListFormat} == set(SOURCES)


def test_the_default_snapshot_is_every_whole_publication_layered() -> None:
    """default_snapshot reads of the 2022 CSL only the entries it uses: the result is the same as layering the
    whole files (bundled_parts), party for party and raw record for raw record."""
    whole = layered(bundled_parts())
    snapshot = default_snapshot()
    assert snapshot == whole
    assert [party.raw for party in snapshot.parties] == [party.raw for party in whole.parties]
