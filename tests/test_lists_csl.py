"""The CSL loader on a real extract, and its refusal of malformed files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from exportguard.lists import csl
from exportguard.lists.bundled import bundled_csl
from exportguard.lists.errors import ListFormatError
from exportguard.lists.model import FRCitation


def test_loads_real_extract_with_every_field(fixtures: Path) -> None:
    snapshot = csl.load(fixtures / "csl_excerpt.csv")
    by_name = {party.name: party for party in snapshot.parties}
    sugon = by_name["Sugon"]
    assert sugon.list_code == "EL"
    assert "Zhongke Shuguang" in sugon.aliases
    assert "Tianjin Shuguang Computer Industry" in sugon.aliases  # the source's "and " is dropped
    assert sugon.countries == ("CN",)
    assert sugon.fr_citations == (FRCitation(84, 29373),)
    assert sugon.start_date == date(2019, 6, 24)
    assert sugon.license_policy == "Presumption of denial"
    assert sugon.raw["name"] == "Sugon"
    assert snapshot.version.party_count == len(snapshot.parties) == 23


def test_bundled_csl_has_all_thirteen_lists() -> None:
    snapshot = bundled_csl()
    codes = {party.list_code for party in snapshot.parties}
    assert len(snapshot.parties) == 14_159  # 14,160 rows; CAP 15268 is repeated verbatim
    assert len({party.key for party in snapshot.parties}) == len(snapshot.parties)
    assert codes == {"SDN", "EL", "DTC", "DPL", "SSI", "UVL", "ISN", "PLC", "MEU", "CMIC", "CAP", "NS-MBS", "FSE"}
    assert snapshot.version.as_of == date(2022, 4, 21)


def _broken(fixtures: Path, tmp_path: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    text = (fixtures / "csl_excerpt.csv").read_text(encoding="utf-8")
    path = tmp_path / "consolidated.csv"
    edit(path, text)
    return path


@pytest.mark.parametrize(
    ("edit", "message", "row", "field"),
    [
        (lambda p, t: p.write_text(t.replace("alt_names,", "", 1), encoding="utf-8"), "missing required column", 1, None),
        (lambda p, t: p.write_text(t.replace('"Sugon', '"Su"gon', 1), encoding="utf-8"), "quoting", None, None),
        (lambda p, t: p.write_text(t, encoding="utf-16"), "not valid utf-8", None, None),
        (lambda p, t: p.write_text(t.replace("2019-06-24", "24/06/2019", 1), encoding="utf-8"), "ISO date", None, "start_date"),
        (lambda p, t: p.write_text(t.splitlines()[0] + "\n", encoding="utf-8"), "no entries", None, None),
        (lambda p, t: p.write_text(t.replace("Entity List (EL)", "Mystery List", 1), encoding="utf-8"), "unknown list", None, "source"),
    ],
)  # fmt: skip
def test_malformed_file_is_refused_with_file_row_and_field(
    fixtures: Path, tmp_path: Path, edit, message: str, row: int | None, field: str | None
) -> None:  # type: ignore[no-untyped-def]
    path = _broken(fixtures, tmp_path, edit)
    with pytest.raises(ListFormatError) as error:
        csl.load(path)
    assert message.lower() in str(error.value).lower()
    assert error.value.file == "consolidated.csv"
    if row is not None:
        assert error.value.row == row
    if field is not None:
        assert error.value.field == field


def test_ragged_row_names_its_line(fixtures: Path, tmp_path: Path) -> None:
    lines = (fixtures / "csl_excerpt.csv").read_text(encoding="utf-8").splitlines()
    lines.insert(3, "only,three,fields")
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ListFormatError, match=r"ragged.csv, row \d+: expected 29 fields, found 3"):
        csl.load(path)


def test_a_row_repeated_verbatim_is_one_entry(fixtures: Path, tmp_path: Path) -> None:
    lines = (fixtures / "csl_excerpt.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "repeated.csv"
    path.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")
    snapshot = csl.load(path)
    assert len(snapshot.parties) == snapshot.version.party_count == 23


def test_an_entry_id_repeated_with_other_content_is_refused(fixtures: Path, tmp_path: Path) -> None:
    lines = (fixtures / "csl_excerpt.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "clash.csv"
    path.write_text("\n".join([*lines, lines[1].replace("Hangzhou Hikvision", "Hangzhou Other", 1)]) + "\n", encoding="utf-8")
    with pytest.raises(ListFormatError, match=r"clash.csv, row \d+, field '_id': entry EL:\w+ appears again"):
        csl.load(path)


def test_fr_citations_parse_in_order_without_repeats() -> None:
    text = "84 FR 22961, 84 FR 43495, 85 FR 29852, 84 FR 22961, 85 F.R. 36720"
    assert [str(cite) for cite in FRCitation.parse_all(text)] == [
        "84 FR 22961",
        "84 FR 43495",
        "85 FR 29852",
        "85 FR 36720",
    ]


def test_skipped_lists_are_passed_over_and_the_rest_load_as_in_the_whole_file(fixtures: Path) -> None:
    whole = csl.load(fixtures / "csl_excerpt.csv")
    skipped = {"EL", "SDN"}
    cut = csl.load(fixtures / "csl_excerpt.csv", skip_lists=skipped)
    assert cut.parties == tuple(party for party in whole.parties if party.list_code not in skipped)
    assert [party.raw for party in cut.parties] == [party.raw for party in whole.parties if party.list_code not in skipped]
    assert 0 < len(cut.parties) < len(whole.parties)
    assert cut.version.party_count == len(cut.parties)
    assert cut.version.content_hash == whole.version.content_hash  # the same file, so the same version id
