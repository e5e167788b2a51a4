"""Issue 11: disguised and misspelt names are found, near misses are counted, filters are strict, hits are grouped."""

from __future__ import annotations

import pytest

import exportguard
from exportguard.matching.model import DEFAULT_THRESHOLD, REVIEW_FLOOR, STRONG_THRESHOLD
from exportguard.matching.normalize import normalize
from exportguard.matching.screener import Screener, ScreeningInputError
from exportguard.rules.parties import ScreenerMatcher

INVISIBLE = ["\u200b", "\u200d", "\ufeff", "\u2060", "\u00ad", "\u200e", "\u034f", "\x00"]


@pytest.mark.parametrize("char", INVISIBLE, ids=[f"U+{ord(c):04X}" for c in INVISIBLE])
def test_invisible_character_is_removed_and_reported(screener: Screener, char: str) -> None:
    hits = screener.screen(f"Hua{char}wei Technologies Co., Ltd.")
    assert hits and hits[0].party.name.upper().startswith("HUAWEI TECHNOLOGIES")
    assert "red flag" in hits[0].explanation and f"U+{ord(char):04X}" in hits[0].explanation


def test_look_alike_letters_in_a_latin_word_are_folded_but_cyrillic_words_are_transliterated() -> None:
    assert normalize("Hu\u0430wei").tokens == ("huawei",) and normalize("Hu\u0430wei").cleaned
    assert normalize("Москва").tokens == ("moskva",) and not normalize("Москва").cleaned


@pytest.mark.parametrize(
    ("query", "entry"),
    [("Huawai Technolgies", "HUAWEI TECHNOLOGIES"), ("Hikvison", "HIKVISION"), ("Dahau", "DAHUA"),
     ("China Academy of Electronics and Information Tehnology", "CHINA ACADEMY OF ELECTRONICS")],
)  # fmt: skip
def test_misspelt_listed_words_count_as_the_listed_words(screener: Screener, query: str, entry: str) -> None:
    hits = screener.screen(query, limit=50)
    assert any(entry in hit.party.name.upper() for hit in hits), [h.party.name for h in hits[:5]]


def test_misspelt_name_is_a_review_hit_saying_what_kept_it_from_strong(screener: Screener) -> None:
    hit = screener.screen("Huawai Technolgies")[0]
    assert hit.score < STRONG_THRESHOLD and hit.band_label == "possible match: review"
    assert any("'huawai' as 'huawei'" in reason for reason in hit.held_back)


def test_one_ordinary_word_is_at_most_a_review_hit(screener: Screener) -> None:
    hits = screener.screen("Orbit Trading", threshold=0.5)
    orbit = [hit for hit in hits if hit.party.name.upper().startswith("ORBIT PETROCHEMICALS TRADING")]
    assert orbit and orbit[0].band == "review" and orbit[0].score >= DEFAULT_THRESHOLD
    assert any("ordinary word 'orbit'" in reason for reason in orbit[0].held_back)
    assert screener.screen("Vista")[0].band == "strong"


@pytest.mark.parametrize(
    ("query", "why"),
    [("Apex Trading LLC", "the screened name's 'trade' the listed name lacks"),
     ("Liberty Global plc", "the screened name's 'global' the listed name lacks"),
     ("Target Corporation", "it is the screened name's only word")],
)  # fmt: skip
def test_one_ordinary_word_alone_is_a_possible_match_below_the_threshold(
    screener: Screener, query: str, why: str
) -> None:
    screening = screener.screening(query)
    assert not screening.groups and screening.possible
    best = screening.possible[0]
    assert REVIEW_FLOOR <= best.score < DEFAULT_THRESHOLD
    assert why in best.explanation and "possible match below the threshold" in best.explanation


@pytest.mark.parametrize(
    ("other_name", "listed", "listed_name_written_so"),
    [("Element Solutions Inc", "ELEMENTO SOLUTIONS LIMITED", "Elemento Solutions"),
     ("Hudson Institute", "Hudson Technologies, Ltd.", "Hudson Technologies Inc"),
     ("Xinjiang Uyghur Autonomous Region (XUAR)", "Xinjiang Uighur Autonomous Region (XUAR) People",
      "Xinjiang Uyghur Autonomous Region (XUAR) Public Security Bureau")],
)  # fmt: skip
def test_a_different_name_sharing_words_with_a_listed_name_is_not_a_hit_on_it(
    screener: Screener, other_name: str, listed: str, listed_name_written_so: str
) -> None:
    """An English word is not a listed word extending it (Element, Elemento); an institute is not a company (Hudson
    Institute, Hudson Technologies Ltd); a region is not its Public Security Bureau (three words left out)."""
    assert not [hit.matched_name for hit in screener.screen(other_name) if hit.matched_name.startswith(listed)]
    assert any(hit.matched_name.startswith(listed) for hit in screener.screen(listed_name_written_so, limit=50))


def test_an_institution_against_a_company_says_so(screener: Screener) -> None:
    possible = screener.screening("Hudson Institute").possible
    (hudson,) = [hit for hit in possible if hit.matched_name == "Hudson Technologies, Ltd."]
    assert "names an institution (institute) and the listed name a company (ltd)" in hudson.explanation


def test_near_miss_is_counted_never_reported_as_no_hit(screener: Screener) -> None:
    screening = screener.screening("Intel Corporation")
    assert not screening.groups and screening.possible
    assert screening.summary.startswith("no hit at ≥ 0.80; 1 possible match below")


def test_spacing_explanation_never_claims_an_equality_that_does_not_hold(screener: Screener) -> None:
    for hit in screener.screen("Oak Logistics", threshold=0.5):
        assert "spelled the same" not in hit.explanation


def test_listed_entity_family_is_one_group_with_the_headquarters_first(screener: Screener) -> None:
    screening = screener.screening("华为技术有限公司")
    assert screening.total_groups == 1
    group = screening.groups[0]
    assert group.affiliates > 0 and "listed affiliates" in group.label
    assert "Affiliated Entity" not in group.best.party.name
    assert screening.summary.startswith("1 of 1 listed entities")


@pytest.mark.parametrize("lists", [["el"], ["El"], ["EL"]])
def test_list_codes_are_case_insensitive(screener: Screener, lists: list[str]) -> None:
    assert {hit.party.list_code for hit in screener.screen("Hikvision", lists=lists)} == {"EL"}


@pytest.mark.parametrize(("lists", "country"), [(["FOO"], None), (None, "XX"), (["EL", "bad"], None)])
def test_unknown_list_or_country_is_an_error_naming_valid_values(screener: Screener, lists, country) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ScreeningInputError, match=r"valid|ISO 3166"):
        screener.screening("Hikvision", country, lists=lists)


def test_library_refuses_an_unknown_list_code() -> None:
    with pytest.raises(ScreeningInputError, match=r"valid: .*EL"):
        exportguard.screen("Hikvision", lists=["FOO"])


def test_determination_party_with_a_zero_width_space_is_still_a_listed_party(screener: Screener) -> None:
    hits = ScreenerMatcher(screener).hits("Hua\u200bwei Technologies Co., Ltd.", "CN", None)
    assert hits and hits[0].band == "strong"
