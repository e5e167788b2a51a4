"""The raw OFAC SDN and eCFR Entity List loaders on real files, and their refusal of malformed ones."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from exportguard.lists import ecfr_entity_list, ofac_sdn
from exportguard.lists.errors import ListFormatError
from exportguard.lists.model import FRCitation


@pytest.fixture(scope="module")
def sdn_2019(fixtures: Path):  # type: ignore[no-untyped-def]
    return ofac_sdn.load(fixtures / "ofac_sdn_2019-01")


def test_sdn_joins_aliases_addresses_and_countries(sdn_2019) -> None:  # type: ignore[no-untyped-def]
    bnc = sdn_2019.by_key()["SDN:306"]
    assert bnc.name == "BANCO NACIONAL DE CUBA"
    assert bnc.aliases == ("NATIONAL BANK OF CUBA",)
    assert bnc.addresses[0] == "Zweierstrasse 35, Zurich CH-8022, Switzerland"
    assert bnc.countries == ("CH", "ES", "JP", "PA")
    assert bnc.programs == ("CUBA",)
    assert bnc.remarks == "a.k.a. 'BNC'."
    assert sdn_2019.version.party_count == 7379


def test_sdn_reads_minus_zero_as_empty_and_skips_the_eof_row(sdn_2019) -> None:  # type: ignore[no-untyped-def]
    aerocaribbean = sdn_2019.by_key()["SDN:36"]
    assert aerocaribbean.remarks == "" and aerocaribbean.raw["title"] == ""
    assert all(party.source_id.isdigit() for party in sdn_2019.parties)


def test_sdn_programs_in_brackets_are_split(sdn_2019) -> None:  # type: ignore[no-untyped-def]
    multi = [party for party in sdn_2019.parties if len(party.programs) > 1]
    assert multi and all("[" not in program and "]" not in program for party in multi for program in party.programs)


def test_single_sdn_csv_without_companions_only_when_allowed(fixtures: Path, tmp_path: Path) -> None:
    # Loading sdn.csv alone once retired open hits on Rosoboronexport and Bank Melli (their aliases vanished).
    alone = tmp_path / "sdn.csv"
    alone.write_bytes(gzip.decompress((fixtures / "ofac_sdn_2019-01" / "sdn.csv.gz").read_bytes()))
    with pytest.raises(ListFormatError, match=r"partial OFAC file set: alt\.csv and add\.csv"):
        ofac_sdn.load(alone)
    (tmp_path / "alt.csv").write_bytes(gzip.decompress((fixtures / "ofac_sdn_2019-01" / "alt.csv.gz").read_bytes()))
    with pytest.raises(ListFormatError, match=r"partial OFAC file set: add\.csv not beside it"):
        ofac_sdn.load(alone)
    (tmp_path / "alt.csv").unlink()
    snapshot = ofac_sdn.load(alone, allow_partial=True)
    assert snapshot.version.party_count == 7379
    assert snapshot.by_key()["SDN:306"].aliases == ()


def _sdn_copy(fixtures: Path, tmp_path: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    lines = gzip.decompress((fixtures / "ofac_sdn_2019-01" / "sdn.csv.gz").read_bytes()).split(b"\n")[:20]
    target = tmp_path / "sdn.csv"
    target.write_bytes(edit(b"\n".join(lines)))
    return target


@pytest.mark.parametrize(
    ("edit", "row", "message"),
    [
        (lambda data: data.replace(b',"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ', b',"CUBA"', 1), 1,
         "expected 12 fields, found 4"),
        (lambda data: data.replace(b'173,"ANGLO', b'173,"ANG"LO', 1), 2, "broken CSV quoting"),
        (lambda data: data.replace(b"173,", b"17x,", 1), 2, "ent_num is not a number"),
        (lambda data: data.decode("latin-1").encode("utf-16"), None, "not valid"),
    ],
)
def test_malformed_sdn_is_refused_with_row(fixtures: Path, tmp_path: Path, edit, row, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ListFormatError, match=message) as caught:
        ofac_sdn.load(_sdn_copy(fixtures, tmp_path, edit), allow_partial=True)
    assert caught.value.file == "sdn.csv"
    if row is not None:
        assert caught.value.row == row


def test_broken_alias_file_refuses_the_whole_list(fixtures: Path, tmp_path: Path) -> None:
    for name in ("sdn.csv.gz", "add.csv.gz"):
        shutil.copy(fixtures / "ofac_sdn_2019-01" / name, tmp_path / name)
    (tmp_path / "alt.csv.gz").write_bytes(gzip.compress(b'36,12,"aka","AERO-CARIBBEAN"\n'))
    with pytest.raises(ListFormatError, match=r"alt\.csv\.gz, row 1: expected 5 fields"):
        ofac_sdn.load(tmp_path)


def test_entity_list_excerpt(fixtures: Path) -> None:
    snapshot = ecfr_entity_list.load(fixtures / "bis_entity_list_excerpt.json")
    by_name = {party.name: party for party in snapshot.parties}
    farid = by_name["Fazal Rahim Farid"]
    assert farid.list_code == "EL" and farid.countries == ("AF",)
    assert farid.aliases == ("Fazel Rahim Farid", "Farid", "Engineer Idris")
    assert farid.fr_citations == (FRCitation(76, 71869),)
    assert farid.license_requirement.startswith("For all items subject to the EAR")
    assert farid.license_policy == ""
    assert by_name["5th Shipyard"].countries == ("RU",)
    assert len({party.key for party in snapshot.parties}) == len(snapshot.parties) == 12


def test_entity_list_keys_are_stable_when_order_changes(fixtures: Path, tmp_path: Path) -> None:
    document = json.loads((fixtures / "bis_entity_list_excerpt.json").read_text(encoding="utf-8"))
    document["entities"].reverse()
    reordered = tmp_path / "el.json"
    reordered.write_text(json.dumps(document), encoding="utf-8")
    original = ecfr_entity_list.load(fixtures / "bis_entity_list_excerpt.json")
    assert original.by_key() == ecfr_entity_list.load(reordered).by_key()


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda doc: doc["entities"][3].pop("notes"), "notes"),
        (lambda doc: doc["entities"][3].update(name="  "), "name"),
        (lambda doc: doc.pop("entities"), "entities"),
    ],
)
def test_malformed_entity_list_names_the_field(fixtures: Path, tmp_path: Path, edit, field) -> None:  # type: ignore[no-untyped-def]
    document = json.loads((fixtures / "bis_entity_list_excerpt.json").read_text(encoding="utf-8"))
    edit(document)
    broken = tmp_path / "el.json"
    broken.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ListFormatError) as caught:
        ecfr_entity_list.load(broken)
    assert caught.value.field == field and caught.value.file == "el.json"


def test_entity_list_bad_json_names_the_line(fixtures: Path, tmp_path: Path) -> None:
    broken = tmp_path / "el.json"
    broken.write_text((fixtures / "bis_entity_list_excerpt.json").read_text(encoding="utf-8")[:500], encoding="utf-8")
    with pytest.raises(ListFormatError, match="not valid JSON") as caught:
        ecfr_entity_list.load(broken)
    assert caught.value.row is not None
