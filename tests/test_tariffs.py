"""Section 301 exposure: the December 2019 products and every list's rates on dates either side of each change."""

from __future__ import annotations

import gzip
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exportguard.tariffs import HtsCode, HtsCodeError, UnknownHtsCode, exposure
from exportguard.tariffs.exposure import EXCLUSIONS_NOT_MODELLED, Exposure
from exportguard.tariffs.schedule import NOTE31_SOURCE, default_schedule

NOTES = Path(__file__).parent / "fixtures" / "section301" / "hts_chapter99_2026_rev6_us_notes.txt.gz"
SUSPENDED_4B = ("4B", "9903.88.16", Decimal(0), "84 FR 69447")
NOT_YET = (None, None, Decimal(0), None)

# (product, HTS, entry date, (list, heading, rate %, notice)) -- the December 2019 tranche (List 4B) and
# the footwear and clothing split between Lists 4A and 4B, before, on and after each date.
DECEMBER_2019 = [
    ("phones", "8517.12.00", "2019-09-01", NOT_YET),
    ("phones", "8517.12.00", "2019-12-14", NOT_YET),
    ("phones", "8517.12.00", "2019-12-15", SUSPENDED_4B),
    ("phones", "85171200", "2020-06-01", SUSPENDED_4B),
    ("laptops", "8471.30.01", "2019-12-15", SUSPENDED_4B),
    ("laptops", "8471.30.0100", "2024-10-01", SUSPENDED_4B),
    ("consoles", "9504.50.00", "2019-11-30", NOT_YET),
    ("consoles", "9504.50.00", "2019-12-20", SUSPENDED_4B),
    ("toys", "9503.00.00", "2019-12-15", SUSPENDED_4B),
    ("monitors", "8528.52.00", "2019-12-16", SUSPENDED_4B),
    ("footwear 4A", "6403.99.90", "2019-08-31", NOT_YET),
    ("footwear 4A", "6403.99.90", "2019-09-01", ("4A", "9903.88.15", Decimal(15), "84 FR 43304; 84 FR 45821")),
    ("footwear 4A", "6403.99.90", "2020-02-13", ("4A", "9903.88.15", Decimal(15), "84 FR 43304; 84 FR 45821")),
    ("footwear 4A", "6403.99.90", "2020-02-14", ("4A", "9903.88.15", Decimal("7.5"), "85 FR 3741")),
    ("footwear 4B", "6401.99.10", "2019-12-15", SUSPENDED_4B),
    ("clothing 4A", "6101.20.00", "2019-09-01", ("4A", "9903.88.15", Decimal(15), "84 FR 43304; 84 FR 45821")),
    ("clothing 4A", "6101.20.00", "2021-01-01", ("4A", "9903.88.15", Decimal("7.5"), "85 FR 3741")),
    ("clothing 4B", "6103.10.40", "2019-12-15", SUSPENDED_4B),
]

EARLIER_LISTS = [
    ("List 1", "4011.30.00", "2018-07-05", NOT_YET),
    ("List 1", "4011.30.00", "2018-07-06", ("1", "9903.88.01", Decimal(25), "83 FR 28710")),
    ("List 2", "8501.10.20", "2018-08-22", NOT_YET),
    ("List 2", "8501.10.20", "2018-08-23", ("2", "9903.88.02", Decimal(25), "83 FR 40823")),
    ("List 3", "0303.55.00", "2018-09-23", NOT_YET),
    ("List 3", "0303.55.00", "2018-09-24", ("3", "9903.88.03", Decimal(10), "83 FR 47974")),
    ("List 3", "0303.55.00", "2019-05-09", ("3", "9903.88.03", Decimal(10), "83 FR 47974")),
    ("List 3", "0303.55.00", "2019-05-10", ("3", "9903.88.03", Decimal(25), "84 FR 20459")),
    ("List 3 10-digit", "8517.62.0010", "2019-06-01", ("3", "9903.88.04", Decimal(25), "84 FR 20459")),
    ("2024 review", "8542.31.00", "2024-12-31", ("2", "9903.88.02", Decimal(25), "83 FR 40823")),
    ("2024 review", "8542.31.00", "2025-01-01", ("2024 review", "9903.91.05", Decimal(50), "89 FR 76581")),
    ("2024 review", "8703.80.00", "2024-09-26", ("1", "9903.88.01", Decimal(25), "83 FR 28710")),
    ("2024 review", "8703.80.00", "2024-09-27", ("2024 review", "9903.91.03", Decimal(100), "89 FR 76581")),
    ("2024 review", "2504.10.10", "2025-12-31", NOT_YET),
    ("2024 review", "2504.10.10", "2026-01-01", ("2024 review", "9903.91.06", Decimal(25), "89 FR 76581")),
]


@pytest.mark.parametrize(("product", "hts", "day", "expected"), DECEMBER_2019 + EARLIER_LISTS)
def test_list_heading_rate_and_notice_on_the_date(product: str, hts: str, day: str, expected: tuple) -> None:
    answer = exposure(hts, date.fromisoformat(day), value=Decimal(1000))
    assert (answer.list_name, answer.heading, answer.rate_pct, answer.notice) == expected, product
    assert answer.duty == Decimal(1000) * expected[2] / 100
    assert answer.exposure is (Exposure.DUTY if expected[2] else Exposure.NO_DUTY)


@pytest.mark.parametrize(("product", "hts", "day", "expected"), DECEMBER_2019 + EARLIER_LISTS)
def test_every_answer_with_a_duty_says_exclusions_are_not_modelled(product: str, hts: str, day: str,
                                                                   expected: tuple) -> None:
    answer = exposure(hts, date.fromisoformat(day))
    assert (EXCLUSIONS_NOT_MODELLED in answer.caveats) == (answer.exposure is Exposure.DUTY)


def test_a_suspended_list_names_the_schedule_it_replaced() -> None:
    answer = exposure("8517.12.00", date(2019, 12, 20))
    assert "scheduled for 2019-12-15 at 15%" in answer.reason and "suspended" in answer.reason


def test_a_list_not_yet_in_force_says_when_it_starts_and_that_4b_never_did() -> None:
    assert exposure("8517.12.00", date(2019, 10, 1)).reason.endswith(
        "starts 2019-12-15 at 15% (84 FR 43304; 84 FR 45821); suspended before it took effect (84 FR 69447)")


def test_history_lists_every_rate_of_the_code() -> None:
    answer = exposure("0303.55.00", date(2018, 1, 1))
    assert [(s.start, s.rate, s.notice) for s in answer.history] == [
        (date(2018, 9, 24), Decimal(10), "83 FR 47974"), (date(2019, 5, 10), Decimal(25), "84 FR 20459")]
    assert "starts 2018-09-24 at 10%" in answer.reason


def test_list3_entries_just_after_the_increase_mention_the_old_rate_for_goods_already_exported() -> None:
    assert any("9903.88.09" in c for c in exposure("0303.55.00", date(2019, 6, 1)).caveats)
    assert not any("9903.88.09" in c for c in exposure("0303.55.00", date(2019, 6, 15)).caveats)


def test_an_eight_digit_code_covered_only_by_some_statistical_numbers_is_indeterminate() -> None:
    answer = exposure("8517.62.00", date(2019, 6, 1), value=100)
    assert answer.exposure is Exposure.INDETERMINATE and answer.duty is None
    assert "8517.62.0010" in answer.reason and EXCLUSIONS_NOT_MODELLED in answer.caveats


def test_goods_of_another_origin_owe_no_section_301_duty() -> None:
    answer = exposure("6403.99.90", date(2019, 9, 1), origin="VN", value=100)
    assert answer.exposure is Exposure.NO_DUTY and answer.duty == 0 and "VN" in answer.reason


@pytest.mark.parametrize("text", ["8517.12", "851712", "8517.12.000", "85171200000", "8517-12-00", "abcd.ef.gh", "",
                                  "9903.88.01", "8517.1200"])
def test_malformed_codes_are_refused(text: str) -> None:
    with pytest.raises(HtsCodeError):
        HtsCode.parse(text)


@pytest.mark.parametrize("text", ["0101.99.99", "8517.99.9999"])
def test_codes_outside_the_data_are_an_error_never_no_tariff(text: str) -> None:
    with pytest.raises(UnknownHtsCode, match="cannot tell"):
        exposure(text, date(2020, 1, 1))


@pytest.mark.parametrize("value", ["-1", "ten", "NaN"])
def test_bad_values_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match="value"):
        exposure("6403.99.90", date(2020, 1, 1), value=value)


@given(st.sampled_from(sorted(default_schedule().by_code)), st.dates(date(2018, 1, 1), date(2027, 12, 31)))
def test_dotted_and_plain_spellings_answer_alike(digits: str, day: date) -> None:
    dotted = f"{digits[:4]}.{digits[4:6]}.{digits[6:]}"
    assert exposure(digits, day).to_dict() == exposure(dotted, day).to_dict()


def test_rates_follow_the_notices_of_the_issue() -> None:
    headings = default_schedule().headings
    periods = {code: [(str(p.start), p.rate, p.notice) for p in h.periods] for code, h in headings.items()}
    assert periods["9903.88.01"] == [("2018-07-06", 25, "83 FR 28710")]
    assert periods["9903.88.02"] == [("2018-08-23", 25, "83 FR 40823")]
    assert periods["9903.88.03"] == [("2018-09-24", 10, "83 FR 47974"), ("2019-05-10", 25, "84 FR 20459")]
    assert periods["9903.88.15"] == [("2019-09-01", 15, "84 FR 43304; 84 FR 45821"),
                                     ("2020-02-14", Decimal("7.5"), "85 FR 3741")]
    assert periods["9903.88.16"] == [("2019-12-15", 0, "84 FR 69447")]
    assert {p[0] for code, ps in periods.items() if code.startswith("9903.91.0") for p in ps} == {
        "2024-09-27", "2025-01-01", "2026-01-01"}


def test_every_2024_review_code_appears_in_us_note_31_of_the_2026_schedule() -> None:
    text = gzip.decompress(NOTES.read_bytes()).decode("utf-8", "replace")
    start = text.index("31. (a)  As provided in headings 9903.91.01")
    note31 = text[start:text.index("\n32. ", start)]
    codes = {c.code for cs in default_schedule().by_code.values() for c in cs if c.source == NOTE31_SOURCE}
    assert len(codes) > 350
    assert not [code for code in codes if f"{code[:4]}.{code[4:6]}.{code[6:]}" not in note31]
    assert re.search(r"9903\.91\.05.*January 1, 2025", text[text.index("9903.91.05 1/"):][:200].replace("\n", " "))
