"""The entities of the 2019 coverage are found by English, short and Chinese names; big-tech names are not."""

from __future__ import annotations

import pytest

from exportguard.matching.model import STRONG_THRESHOLD
from exportguard.matching.screener import Screener, ScreeningInputError

MUST_FIND = [
    # (query, country, a substring of the listed entry it must find, its list)
    ("Huawei Technologies Co., Ltd.", "CN", "Huawei Technologies Co., Ltd. (Huawei)", "EL"),
    ("Huawei", None, "Huawei Technologies Co., Ltd. (Huawei)", "EL"),
    ("华为技术有限公司", None, "Huawei Technologies Co., Ltd. (Huawei)", "EL"),
    ("Huawei Device Co Ltd", "CN", "Huawei Device", "EL"),
    ("HUAWEI DEVICE (DONGGUAN) CO LTD", None, "Huawei Device (Dongguan)", "EL"),
    ("Huawei Marine Networks", None, "Huawei Marine Networks", "EL"),
    ("Hangzhou Hikvision Digital Technology Co., Ltd.", "CN", "Hangzhou Hikvision", "EL"),
    ("Hikvision", None, "Hangzhou Hikvision", "EL"),
    ("海康威视", None, "Hangzhou Hikvision", "EL"),
    ("Zhejiang Dahua Technology", "CN", "Dahua Technology", "EL"),
    ("Dahua", None, "Dahua Technology", "EL"),
    ("大华", None, "Dahua Technology", "EL"),
    ("Sugon", None, "Sugon", "EL"),
    ("Dawning Information Industry", None, "Sugon", "EL"),
    ("Zhongke Shuguang", None, "Sugon", "EL"),
    ("中科曙光", None, "Sugon", "EL"),
    ("Higon", None, "Higon", "EL"),
    ("Tianjin Haiguang Advanced Technology Investment", None, "Higon", "EL"),
    ("THATIC", None, "Higon", "EL"),
    ("Wuxi Jiangnan Institute of Computing Technology", "CN", "Wuxi Jiangnan Institute", "EL"),
    ("Jiangnan Institute of Computing Technology", None, "Wuxi Jiangnan Institute", "EL"),
    ("JICT", None, "Wuxi Jiangnan Institute", "EL"),
    ("iFLYTEK", None, "iFLYTEK", "EL"),
    ("Megvii Technology", None, "Megvii", "EL"),
    ("Chengdu Haiguang Integrated Circuit", None, "Chengdu Haiguang Integrated Circuit", "EL"),
    # Legal forms written as dotted initials are legal forms, not three one-letter words.
    ("AGROROZKVIT S.R.L.", None, "AGROROZKVIT LLC", "SDN"),
    ("Adam Trading and Investment L.L.C.", None, "ADAM TRADING AND INVESTMENT LLC", "SDN"),
    ("Adam Trading and Investment s.r.o.", None, "ADAM TRADING AND INVESTMENT LLC", "SDN"),
]

MUST_NOT_HIT = [
    "Micron Technology, Inc.", "Micron", "Intel Corporation", "Intel", "Google LLC", "Google",
    "Microsoft Corporation", "Microsoft", "Apple Inc.", "Apple", "Samsung Electronics Co., Ltd.", "Samsung",
    "CORP", "TECHNOLOGY", "COMPANY", "Technology Company", "International Trading Co., Ltd.",
    "Global Technology Group Limited", "Science and Technology Development Co",
]  # fmt: skip


@pytest.mark.parametrize(("query", "country", "entry", "list_code"), MUST_FIND)
def test_listed_party_is_found(screener: Screener, query: str, country: str | None, entry: str, list_code: str) -> None:
    hits = screener.screen(query, country, limit=50)
    found = [hit for hit in hits if entry.casefold() in hit.party.name.casefold() and hit.party.list_code == list_code]
    assert found, f"{query!r} did not find {entry!r}; got {[h.party.name for h in hits[:5]]}"
    assert found[0].score >= 0.85


@pytest.mark.parametrize("query", MUST_NOT_HIT)
def test_unlisted_or_generic_name_is_not_a_hit(screener: Screener, query: str) -> None:
    assert screener.screen(query) == []


def test_hit_reports_list_entry_alias_citation_and_policy(screener: Screener) -> None:
    hit = next(h for h in screener.screen("Hikvision") if h.party.list_code == "EL")
    data = hit.to_dict()
    assert hit.matched_alias and hit.matched_name == "Hikvision"
    assert "84 FR 54002" in data["federal_register"]
    assert data["license_requirement"].startswith("For all items subject to the EAR")
    assert "Case-by-case review for ECCNs 1A004.c" in data["license_policy"]
    assert "alias 'Hikvision'" in hit.explanation
    assert hit.band == "strong" and hit.score >= STRONG_THRESHOLD
    assert "csl@" in data["list_version"]


def test_chinese_query_explains_its_reading(screener: Screener) -> None:
    hit = screener.screen("华为技术有限公司")[0]
    assert "read as 'huawei technology'" in hit.explanation


def test_country_mismatch_lowers_the_score(screener: Screener) -> None:
    same = screener.screen("Sugon", "CN")[0].score
    other = screener.screen("Sugon", "US", threshold=0.0)[0].score
    assert other < same


def test_list_filter_keeps_only_named_lists(screener: Screener) -> None:
    hits = screener.screen("Hikvision", lists={"CMIC"})
    assert hits and {hit.party.list_code for hit in hits} == {"CMIC"}


@pytest.mark.parametrize(("name", "country"), [("", None), ("   ", None), ("x" * 501, None), ("Sugon", "China")])
def test_bad_input_is_refused(screener: Screener, name: str, country: str | None) -> None:
    with pytest.raises(ScreeningInputError):
        screener.screen(name, country)
