"""Benchmark corpora built from the real lists: variants of real entries and real non-listed names.

Every query is derived from real data (the bundled CSL, the native-name gazetteer, China's counter-lists
bundled with the package, the name files in bench/data, whose sources bench/data/PROVENANCE.md gives); the
perturbations are deterministic for a given seed.
"""

from __future__ import annotations

import csv
import random
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from compat import native_names_for
from rapidfuzz import fuzz, process, utils

from exportguard.lists.bundled import BUNDLED_COUNTER_LISTS, bundled_csl, data_path
from exportguard.lists.model import ListSnapshot, Party
from exportguard.matching.normalize import normalize

BENCH_DATA = Path(__file__).resolve().parent / "data"
FORCED_LABOR_ENTITIES = BENCH_DATA / "forced_labor_entities.txt"
POSITIVE_LISTS = {"EL", "SDN", "DPL", "UVL", "MEU", "ISN", "CMIC", "SSI"}
WELL_KNOWN_COMPANIES = (
    "Micron Technology, Inc.",
    "Intel Corporation",
    "Google LLC",
    "Microsoft Corporation",
    "Apple Inc.",
    "Samsung Electronics Co., Ltd.",
    "Qualcomm Incorporated",
    "Broadcom Inc.",
    "Texas Instruments Incorporated",
    "Cisco Systems, Inc.",
    "Oracle Corporation",
    "International Business Machines Corporation",
    "Dell Technologies Inc.",
    "Hewlett Packard Enterprise Company",
    "Advanced Micro Devices, Inc.",
    "NVIDIA Corporation",
    "Siemens AG",
    "Robert Bosch GmbH",
    "Sony Group Corporation",
    "Panasonic Holdings Corporation",
    "Toshiba Corporation",
    "LG Electronics Inc.",
    "SK hynix Inc.",
    "Taiwan Semiconductor Manufacturing Company Limited",
    "Foxconn Technology Group",
    "Lenovo Group Limited",
    "Xiaomi Corporation",
    "Alibaba Group Holding Limited",
    "Tencent Holdings Limited",
    "Baidu, Inc.",
    "BYD Company Limited",
    "Nokia Corporation",
    "Telefonaktiebolaget LM Ericsson",
    "ASML Holding N.V.",
    "Infineon Technologies AG",
    "STMicroelectronics N.V.",
    "NXP Semiconductors N.V.",
    "Applied Materials, Inc.",
    "Lam Research Corporation",
    "KLA Corporation",
    "Western Digital Corporation",
    "Seagate Technology Holdings plc",
    "Amazon.com, Inc.",
    "Meta Platforms, Inc.",
    "Accenture plc",
    "Schneider Electric SE",
    "ABB Ltd",
)
_LEGAL_WORDS = re.compile(
    r"\b(sdn\.? bhd\.?|limited liability company|closed joint stock company|open joint stock company|joint stock company|"
    r"co\.?,? ltd\.?|co\.?,?|ltd\.?|limited|llc|inc\.?|corp\.?|corporation|company|gmbh|jsc|ojsc|oao|ooo|plc)(?=\W|$)",
    re.I,
)
_ABBREVIATE = {
    "technology": "Tech",
    "technologies": "Tech",
    "international": "Intl",
    "industries": "Ind",
    "electronics": "Elec",
    "communication": "Comm",
    "communications": "Comm",
    "institute": "Inst",
    "university": "Univ",
    "engineering": "Eng",
    "science": "Sci",
    "development": "Dev",
    "information": "Info",
    "group": "Grp",
}


_LEGAL_ABBREVIATIONS = {"company": "Co", "corporation": "Corp", "limited": "Ltd", "incorporated": "Inc"}


@dataclass(frozen=True)
class Case:
    """One benchmark query: the text, its category, and the entry keys that count as finding it."""

    category: str
    query: str
    expected: frozenset[str]


def positives(snapshot: ListSnapshot, sample: int, seed: int) -> list[Case]:
    """Perturbed spellings of a seeded sample of real list entries (organisations)."""
    rng = random.Random(seed)
    entities = [p for p in snapshot.parties if p.list_code in POSITIVE_LISTS and p.entity_type != "Individual"]
    same_name: dict[str, set[str]] = {}
    for party in snapshot.parties:
        same_name.setdefault(party.name, set()).add(party.key)
    cases: list[Case] = []
    for party in rng.sample(entities, sample):
        expected = frozenset(same_name[party.name])
        for category, make in PERTURBATIONS.items():
            query = make(party, rng)
            if query and normalize(query).tokens:
                cases.append(Case(category, query, expected))
    return cases


def _typo(party: Party, rng: random.Random) -> str | None:
    words = party.name.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    if len(word) < 6:
        return None
    i = rng.randrange(1, len(word) - 1)
    edit = rng.choice(("swap", "drop", "double", "replace"))
    if edit == "swap":
        word = word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    elif edit == "drop":
        word = word[:i] + word[i + 1 :]
    elif edit == "double":
        word = word[:i] + word[i] + word[i:]
    else:
        word = word[:i] + rng.choice("aeioustnrl") + word[i + 1 :]
    return " ".join([*words[:longest], word, *words[longest + 1 :]])


def _drop_legal_form(party: Party, _rng: random.Random) -> str | None:
    stripped = " ".join(_LEGAL_WORDS.sub(" ", party.name).replace(",", " ").split())
    return stripped if stripped and stripped != party.name else None


def _reorder(party: Party, _rng: random.Random) -> str | None:
    words = _LEGAL_WORDS.sub(" ", party.name).split()
    return " ".join(words[1:] + words[:1]) if len(words) >= 2 else None


def _abbreviate(party: Party, _rng: random.Random) -> str | None:
    words = party.name.split()
    changed = [_ABBREVIATE.get(w.strip(",.").lower(), w) for w in words]
    if changed and changed[-1].strip(",.").lower() in _LEGAL_ABBREVIATIONS:
        changed[-1] = _LEGAL_ABBREVIATIONS[changed[-1].strip(",.").lower()]
    return " ".join(changed) if changed != words else None


def _case_and_punctuation(party: Party, _rng: random.Random) -> str | None:
    return re.sub(r"[^\w\s]", "", party.name).upper()


PERTURBATIONS = {
    "typo": _typo,
    "dropped_legal_form": _drop_legal_form,
    "reordered": _reorder,
    "abbreviated": _abbreviate,
    "case_punctuation": _case_and_punctuation,
}


def cross_script(snapshot: ListSnapshot) -> list[Case]:
    """Chinese-script names from the gazetteer, each expected to find the entries it belongs to."""
    by_native: dict[str, set[str]] = {}
    for key, natives in native_names_for(snapshot).items():
        for native in natives:
            by_native.setdefault(native, set()).add(key)
    return [Case("cross_script", native, frozenset(keys)) for native, keys in sorted(by_native.items())]


def negatives(snapshot: ListSnapshot) -> list[Case]:
    """Real organisation names that are not on the CSL (China's counter-sanction targets, the DHS UFLPA and CBP
    forced-labor lists, well-known firms)."""
    listed = {frozenset(normalize(name).tokens) for party in snapshot.parties for name in party.all_names}
    names = list(WELL_KNOWN_COMPANIES)
    with data_path(BUNDLED_COUNTER_LISTS).open(encoding="utf-8") as handle:
        names += [row["Name"] for row in csv.DictReader(handle) if row["Type"] == "Organization"]
    names += _names_in(FORCED_LABOR_ENTITIES)
    unique = sorted({name for name in names if frozenset(normalize(name).tokens) not in listed})
    all_names = [name for party in snapshot.parties for name in party.all_names]
    return [Case("negative", name, frozenset()) for name in unique if not _same_entity_listed(name, all_names)]


def _same_entity_listed(name: str, all_names: list[str]) -> bool:
    """Drop 'negatives' that are in fact listed under a near-identical name (the same entity)."""
    found = process.extractOne(name, all_names, scorer=fuzz.token_set_ratio, processor=utils.default_process)
    return found is not None and found[1] >= 90


INVISIBLE = ("\u200b", "\u200c", "\u200d", "\ufeff", "\u2060", "\u00ad", "\u200e", "\u034f", "\x00")
LOOK_ALIKES = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "i": "і", "y": "у", "k": "κ", "v": "ν"}
_OTHER_LEGAL_FORM = {"llc": "Ltd", "ltd": "LLC", "limited": "GmbH", "inc": "Co., Ltd.", "corporation": "Limited",
                     "company": "Inc.", "co": "Corp.", "jsc": "LLC", "gmbh": "Ltd"}  # fmt: skip


def _longest_word(party: Party, minimum: int) -> tuple[list[str], int] | None:
    words = party.name.split()
    longest = max(range(len(words)), key=lambda i: len(words[i].strip(",.()")))
    return (words, longest) if len(words[longest]) >= minimum and words[longest].isalpha() else None


def _edited(party: Party, rng: random.Random, edits: tuple[str, ...], minimum: int) -> str | None:
    found = _longest_word(party, minimum)
    if found is None:
        return None
    words, at = found
    word = words[at]
    for edit in edits:
        i = rng.randrange(1, len(word) - 1)
        if edit == "deletion":
            word = word[:i] + word[i + 1 :]
        elif edit == "insertion":
            word = word[:i] + rng.choice("aeioustnrl") + word[i:]
        elif edit == "substitution":
            word = word[:i] + rng.choice([c for c in "aeioustnrl" if c != word[i].lower()]) + word[i + 1 :]
        else:
            word = word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    return " ".join([*words[:at], word, *words[at + 1 :]])


def _invisible(party: Party, rng: random.Random) -> str | None:
    found = _longest_word(party, 4)
    if found is None:
        return None
    words, at = found
    i = rng.randrange(1, len(words[at]))
    words[at] = words[at][:i] + rng.choice(INVISIBLE) + words[at][i:]
    return " ".join(words)


def _look_alike(party: Party, rng: random.Random) -> str | None:
    found = _longest_word(party, 4)
    if found is None:
        return None
    words, at = found
    positions = [i for i, char in enumerate(words[at]) if char.lower() in LOOK_ALIKES]
    if not positions:
        return None
    for i in rng.sample(positions, min(2, len(positions))):
        char = words[at][i]
        swapped = LOOK_ALIKES[char.lower()]
        words[at] = words[at][:i] + (swapped.upper() if char.isupper() else swapped) + words[at][i + 1 :]
    return " ".join(words)


def _legal_form_changed(party: Party, rng: random.Random) -> str | None:
    words = party.name.replace(",", " ").split()
    if words and words[-1].strip(".").lower() in _OTHER_LEGAL_FORM:
        return " ".join([*words[:-1], _OTHER_LEGAL_FORM[words[-1].strip(".").lower()]])
    return " ".join([*words, rng.choice(("LLC", "Ltd", "Inc.", "GmbH"))])


def _word_missing(party: Party, rng: random.Random) -> str | None:
    """One word dropped from a name of 3+ words, never its most identifying one (the rarest in the lists):
    a name left without the word that tells it apart is another name. Legal forms and punctuation are not
    words of the name: neither is dropped nor kept as the identifying word."""
    words = _LEGAL_WORDS.sub(" ", party.name).split()
    named = [i for i, word in enumerate(words) if _is_name_word(word, words[i + 1] if i + 1 < len(words) else "")]
    if len(named) < 3:
        return None
    kept = min(named, key=lambda i: (_list_frequency().get(words[i].strip(",.()").lower(), 0), -len(words[i])))
    del words[rng.choice([i for i in named if i != kept])]
    return " ".join(words)


#: Legal forms the lists write that _LEGAL_WORDS leaves in a name (Singaporean, Belgian, Bulgarian, Italian,
#: Latin American, Swiss/German, Malaysian, Emirati, Russian, Ukrainian), compared without dots; "private" is
#: what is left of "Private Joint Stock Company".
_OTHER_LEGAL_FORMS = frozenset(
    "pte pvt pty sprl eood ood srl sa ag ltda bhd sdn fze fzco fzc fzllc spa bv nv kft doo sro cv sas sarl ab as oy "
    "pao zao ao tov pjsc cjsc private".split()
)


def _is_name_word(word: str, following: str) -> bool:
    """A word of the name: it has a letter and is not (part of) a legal form ("S.A. de C.V.")."""
    letters = re.sub(r"[^\w]", "", word).lower()
    if letters == "de" and re.sub(r"[^\w]", "", following).lower() == "cv":
        return False
    return any(char.isalpha() for char in letters) and letters not in _OTHER_LEGAL_FORMS


@lru_cache(maxsize=1)
def _list_frequency() -> Counter[str]:
    """How many list names use each word (lower case, as written)."""
    return Counter(
        word.strip(",.()").lower() for party in bundled_csl().parties for name in party.all_names for word in set(name.split())
    )


DISGUISES = {
    # Single edits in words that keep 4+ letters (the matcher reads words of 4+ letters as misspellings).
    "one_deletion": lambda party, rng: _edited(party, rng, ("deletion",), 5),
    "one_insertion": lambda party, rng: _edited(party, rng, ("insertion",), 4),
    "one_substitution": lambda party, rng: _edited(party, rng, ("substitution",), 4),
    "one_transposition": lambda party, rng: _edited(party, rng, ("transposition",), 4),
    "two_edits_long_word": lambda party, rng: _edited(party, rng, tuple(rng.sample(_EDITS, 2)), 8),
    "invisible_characters": _invisible,
    "look_alike_letters": _look_alike,
    "reordered_words": _reorder,
    "legal_form_changed": _legal_form_changed,
    "word_missing": _word_missing,
}
_EDITS = ["deletion", "insertion", "substitution", "transposition"]
REAL_COMPANIES = BENCH_DATA / "real_companies.txt"


def disguised(snapshot: ListSnapshot, sample: int, seed: int) -> list[Case]:
    """Disguised spellings of a seeded sample of real list entries (organisations), one per category, plus
    the Chinese-script names of the gazetteer."""
    rng = random.Random(seed + 1)
    entities = [p for p in snapshot.parties if p.list_code in POSITIVE_LISTS and p.entity_type != "Individual"]
    same_name: dict[str, set[str]] = {}
    for party in snapshot.parties:
        same_name.setdefault(party.name, set()).add(party.key)
    cases: list[Case] = []
    for party in rng.sample(entities, sample):
        for category, make in DISGUISES.items():
            query = make(party, rng)
            if query and query != party.name and normalize(query).tokens:
                cases.append(Case(category, query, frozenset(same_name[party.name])))
    return cases + [Case("chinese_script", case.query, case.expected) for case in cross_script(snapshot)]


def _names_in(path: Path) -> list[str]:
    """The names of a bench data file: one a line; blank lines and '#' comment lines skipped."""
    names = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [name for name in names if name and not name.startswith("#")]


def real_companies(snapshot: ListSnapshot) -> list[Case]:
    """Real companies that are not listed (bench/data/real_companies.txt), many sharing a word with a listed name."""
    names = _names_in(REAL_COMPANIES)
    listed = {frozenset(normalize(name).tokens) for party in snapshot.parties for name in party.all_names}
    all_names = [name for party in snapshot.parties for name in party.all_names]
    return [
        Case("real_company", name, frozenset())
        for name in names
        if frozenset(normalize(name).tokens) not in listed and not _same_entity_listed(name, all_names)
    ]


def load_all(sample: int = 300, seed: int = 2019) -> tuple[ListSnapshot, list[Case], list[Case]]:
    """The bundled 2022 CSL (what accuracy is measured on), the positive cases (perturbed + cross-script) and the negatives."""
    snapshot = bundled_csl()
    return snapshot, positives(snapshot, sample, seed) + cross_script(snapshot), negatives(snapshot)
