"""Name normalisation: one function from any spelling of a name to comparable tokens.

Disguises are undone first (invisible characters removed, Cyrillic and Greek look-alike letters
inside a Latin word folded to Latin), and the name remembers that it was cleaned. Then Unicode is
folded (NFKC, case, diacritics), Chinese and Cyrillic are romanised, punctuation and word order stop
mattering, abbreviations are expanded, and legal forms ("Co., Ltd.", "GmbH", "OOO", "有限公司") are
set aside as weak tokens rather than dropped or compared as words.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz.distance import OSA

from exportguard.matching.chinese import has_cjk, romanize
from exportguard.matching.dictionary import is_dictionary_word
from exportguard.matching.vocabulary import ABBREVIATIONS, LEGAL_FORMS

_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya".split(),
        strict=True,
    )
)
_PUNCTUATION = re.compile(r"[^\w\s]|_")
#: Cyrillic and Greek letters drawn like Latin ones: inside a word that also has Latin letters they are
#: a disguise ("Huаwei" with a Cyrillic "а"), not a transliteration.
_LOOK_ALIKES = dict(
    zip(
        "аеорсухіјѕԁһӏԛԝвкмнтАВЕКМНОРСТУХІЈЅαβεικνορτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
        "aeopcyxijsdhlqwbkmhtABEKMHOPCTYXIJSabeikvoptuxABEZHIKMNOPTYX",
        strict=True,
    )
)
_LATIN_LETTER = re.compile("[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")
_FOREIGN_LETTER = re.compile("[\u0370-\u03ff\u0400-\u052f\u1f00-\u1fff]")
#: A run of Latin, Greek and Cyrillic letters (with their diacritics) holding a Greek or Cyrillic one.
_ALPHABETIC = "A-Za-z\u00c0-\u024f\u1e00-\u1eff\u0300-\u036f\u0370-\u03ff\u0400-\u052f\u1f00-\u1fff"
_MIXED_SCRIPT_WORD = re.compile(f"[{_ALPHABETIC}]*[\u0370-\u03ff\u0400-\u052f\u1f00-\u1fff][{_ALPHABETIC}]*")
#: Whitespace controls are spacing; every other control or format character is removed.
_SPACING_CONTROLS = frozenset("\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85")
#: Invisible characters outside the control and format categories: the combining grapheme joiner,
#: Hangul fillers and variation selectors.
_INVISIBLE_MARKS = frozenset("\u034f\u115f\u1160\u3164\uffa0") | frozenset(map(chr, range(0xFE00, 0xFE10)))
_CYRILLIC_CHAR = re.compile("[\u0400-\u04ff]")
_STOPWORDS = frozenset({"the", "of", "and", "for", "a", "an"})
#: Legal forms that are also ordinary words or syllables count only at the end of a name,
#: or (the ones Russian and Scandinavian names put first) at its start.
_ONLY_AT_END = frozenset(
    {"private", "as", "ab", "ao", "sa", "ag", "kg", "kk", "cv", "est", "co", "oy", "lp", "jv", "n v", "b v", "s a"}
)
_ALSO_AT_START = _ONLY_AT_END - {"co", "private", "est", "n v", "b v", "s a"}
#: Legal words this long or longer are still read as legal forms with a typo or two.
_MISSPELT_LEGAL_LENGTH = 7
_LONG_LEGAL_WORDS = ("limited", "corporation", "incorporated", "company", "aktiengesellschaft", "gesellschaft")
#: Each word a legal form begins with, and the lengths in words of the forms it begins, longest first.
_FORM_LENGTHS = {
    first: tuple(sorted({len(form.split()) for form in LEGAL_FORMS if form.split()[0] == first}, reverse=True))
    for first in {form.split()[0] for form in LEGAL_FORMS}
}
_LONGEST_INITIALS = max(len(form) for form in LEGAL_FORMS if " " not in form)


@dataclass(frozen=True)
class NormalizedName:
    """A name reduced to content tokens, legal-form tokens and a spacing-free compact form."""

    original: str
    tokens: tuple[str, ...]
    legal_forms: tuple[str, ...]
    cross_script: bool
    #: The tokens as written, before abbreviations and plurals were folded (same order and length).
    raw_tokens: tuple[str, ...] = ()
    #: What was undone before matching (invisible characters, look-alike letters), for the explanation.
    cleaned: tuple[str, ...] = ()

    @property
    def compact(self) -> str:
        """Content tokens joined without spaces, so "Hik Vision" and "Hikvision" compare equal."""
        return "".join(self.tokens)


@lru_cache(maxsize=1)
def normalizer_fingerprint() -> str:
    """Changes whenever normalisation could: a hash of its code, its word lists, the English dictionary it reads
    misspelt legal words by, and the versions of the data it depends on (see :func:`code_fingerprint`).

    A normalised name stored with a customer, or bundled normalised ahead of time, is reused only under the
    same fingerprint.
    """
    return code_fingerprint(("normalize.py", "vocabulary.py", "chinese.py", "dictionary.py"))


def code_fingerprint(modules: Iterable[str]) -> str:
    """A hash of these modules of the matching package and of what they depend on that another installation may
    have in another version: pypinyin (romanisation), english-words (the dictionary) and the Unicode database
    (case folding and NFKC of non-ASCII names)."""
    versions = [importlib.metadata.version(package) for package in ("pypinyin", "english-words")]
    digest = hashlib.sha256("\0".join([*versions, unicodedata.unidata_version]).encode())
    for module in modules:
        digest.update((Path(__file__).parent / module).read_bytes())
    return digest.hexdigest()[:16]


#: Names normalised ahead of time (for the duration of :func:`normalized_ahead`).
_AHEAD: dict[str, NormalizedName] = {}


@contextmanager
def normalized_ahead(forms: Mapping[str, NormalizedName]) -> Iterator[None]:
    """While the block runs, :func:`normalize` answers the names in ``forms`` from there instead of normalising
    them again. ``forms`` must hold what this very normaliser makes of each name (as a file derived under the
    same :func:`normalizer_fingerprint` does); what the block asks for stays remembered by :func:`normalize`."""
    _AHEAD.update(forms)
    try:
        yield
    finally:
        _AHEAD.clear()


@lru_cache(maxsize=200_000)
def normalize(name: str) -> NormalizedName:
    """Normalise a party name for matching (see the module docstring for every step)."""
    ahead = _AHEAD.get(name)
    if ahead is not None:
        return ahead
    if name.isascii() and name.isprintable():
        # Most listed and customer names: nothing to undisguise, compose or romanise, and fold is a table lookup.
        return _normalized(name, fold(name).split(), False, ())
    text, cleaned = undisguise(name)
    text = unicodedata.normalize("NFKC", text)
    chinese = not text.isascii() and has_cjk(text)
    cross_script = chinese or (not text.isascii() and _CYRILLIC_CHAR.search(text) is not None)
    return _normalized(name, fold(romanize(text) if chinese else text).split(), cross_script, cleaned)


def _normalized(name: str, words: list[str], cross_script: bool, cleaned: tuple[str, ...]) -> NormalizedName:
    """The name from its folded words: initials joined, legal forms set aside, stopwords dropped, words folded."""
    tokens, legal = _split_legal_forms(_joined_initials(words))
    raw = tuple(tokens) if _STOPWORDS.isdisjoint(tokens) else tuple(token for token in tokens if token not in _STOPWORDS)
    return NormalizedName(name, tuple(map(_fold_word, raw)), tuple(legal), cross_script, raw, cleaned)


def undisguise(name: str) -> tuple[str, tuple[str, ...]]:
    """The name without invisible characters and with look-alike letters folded, and what was undone.

    Zero-width spaces and joiners, byte-order marks, soft hyphens, direction marks, the combining
    grapheme joiner and control characters (NUL included) are removed; a Cyrillic or Greek letter
    that looks like a Latin one is read as that Latin letter inside a word that has Latin letters.
    """
    if name.isascii() and name.isprintable():
        return name, ()
    removed = [char for char in name if _is_invisible(char)]
    text = "".join(" " if char in _SPACING_CONTROLS else char for char in name if char not in removed)
    cleaned = []
    if removed:
        codes = ", ".join(sorted({f"U+{ord(char):04X}" for char in removed}))
        cleaned.append(f"{len(removed)} invisible character{'s' if len(removed) > 1 else ''} removed ({codes})")
    folded = []

    def fold_look_alikes(match: re.Match[str]) -> str:
        word = match.group()
        # Compared without diacritics, as matching compares ("áα" is a Latin and a Greek a).
        base = "".join(char for char in unicodedata.normalize("NFKD", word) if not unicodedata.combining(char))
        plain = "".join(_LOOK_ALIKES.get(char, char) for char in base)
        if not _LATIN_LETTER.search(base) or _FOREIGN_LETTER.search(plain):
            return word
        folded.append(word)
        return plain

    text = _MIXED_SCRIPT_WORD.sub(fold_look_alikes, unicodedata.normalize("NFKC", text))
    if folded:
        cleaned.append(f"look-alike Cyrillic or Greek letters read as Latin in {', '.join(map(repr, folded))}")
    return text, tuple(cleaned)


def _is_invisible(char: str) -> bool:
    category = unicodedata.category(char)
    return (category in ("Cf", "Cc") and char not in _SPACING_CONTROLS and char != " ") or char in _INVISIBLE_MARKS


def fold(text: str) -> str:
    """Case, diacritics, Cyrillic and punctuation folded to plain lower-case ASCII-ish words."""
    if text.isascii():
        return text.translate(_ASCII_FOLD)
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(_CYRILLIC.get(char, char) for char in text).replace("_", "")
    text = "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))
    # Accented Cyrillic letters ("ѐ") are Cyrillic once their accent is gone.
    text = "".join(_CYRILLIC.get(char, char) for char in text)
    return _folded_punctuation(text)


def _folded_punctuation(text: str) -> str:
    """"&" spelt out, apostrophes dropped, any other punctuation a space."""
    text = text.replace("&", " and ").replace("'", "").replace("’", "")
    return _PUNCTUATION.sub(" ", text)


#: :func:`fold` of ASCII text, which folds it character by character: each character lowered, underscores
#: dropped, then its punctuation folded.
_ASCII_FOLD = str.maketrans({chr(code): _folded_punctuation(chr(code).lower().replace("_", "")) for code in range(128)})


def _joined_initials(words: list[str]) -> list[str]:
    """Three or more initials spelling a legal form ("S.R.L.", "L.L.C.", "G.m.b.H.") are read as that form;
    two initials are as often a person's, and the two-letter forms that are written so ("S.A.", "B.V.")
    are listed spaced, where their place in the name is checked."""
    if 1 not in map(len, words):
        return words  # no initial at all: most names
    joined: list[str] = []
    for word in words:
        joined.append(word)
        if len(word) != 1:
            continue
        for start in range(max(0, len(joined) - _LONGEST_INITIALS), len(joined) - 2):
            initials = joined[start:]
            if all(len(initial) == 1 for initial in initials) and "".join(initials) in LEGAL_FORMS:
                joined[start:] = ["".join(initials)]
                break
    return joined


def _split_legal_forms(words: list[str]) -> tuple[list[str], list[str]]:
    tokens: list[str] = []
    legal: list[str] = []
    position = 0
    while position < len(words):
        word = words[position]
        if word in _FORM_LENGTHS:
            found = _legal_form_at(words, position)
        elif len(word) >= _MISSPELT_LEGAL_LENGTH:
            found = _misspelt_form(word)
        else:
            found = None  # neither begins a legal form nor is long enough to be a misspelt one: most words
        if found:
            legal.append(found[1])
            position += found[0]
        else:
            tokens.append(word)
            position += 1
    return tokens, legal


def _legal_form_at(words: list[str], position: int) -> tuple[int, str] | None:
    """Length and canonical form of the legal form starting at ``position`` (whose word begins some), if one does."""
    remaining = len(words) - position
    for length in _FORM_LENGTHS[words[position]]:
        if length > remaining:
            continue
        phrase = " ".join(words[position : position + length])
        if phrase not in LEGAL_FORMS:
            continue
        at_end = all(word in LEGAL_FORMS for word in words[position + length :])
        at_start = position == 0 and phrase in _ALSO_AT_START and len(words) > length
        if phrase not in _ONLY_AT_END or at_end or at_start:
            return length, LEGAL_FORMS[phrase]
    return _misspelt_form(words[position])


def _misspelt_form(word: str) -> tuple[int, str] | None:
    """One word and the canonical form of the long legal word it misspells, if it does."""
    misspelt = _misspelt_legal_word(word)
    return (1, LEGAL_FORMS[misspelt]) if misspelt else None


@lru_cache(maxsize=1 << 16)
def _misspelt_legal_word(word: str) -> str | None:
    """ "Corportion" or "Limted" is still a legal form: long legal words survive a typo or two, but an ordinary
    word is itself ("Cooperation" is not "Corporation")."""
    if len(word) < _MISSPELT_LEGAL_LENGTH or word in LEGAL_FORMS or is_dictionary_word(word):
        return None
    for form in _LONG_LEGAL_WORDS:
        if abs(len(form) - len(word)) <= 2 and OSA.distance(word, form, score_cutoff=2) <= 2:
            return form
    return None


@lru_cache(maxsize=1 << 16)
def _fold_word(word: str) -> str:
    word = ABBREVIATIONS.get(word, word)
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        word = ABBREVIATIONS.get(word[:-1], word[:-1])
    return word
