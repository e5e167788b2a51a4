"""Screen a name against a list snapshot: retrieve candidates, score features, rank hits."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from exportguard.buildcache import build_key, cached_build
from exportguard.heap import built_frozen
from exportguard.lists.countries import ISO_ALPHA2, iso2
from exportguard.lists.model import ListSnapshot, Party
from exportguard.matching import features
from exportguard.matching.alignment import (
    COMPACT_LENGTH_SLACK,
    Aligner,
    Alignment,
    compact_similarity,
    every_word_resembles,
    remembered_reach,
    word_bound_may_reach,
    word_facts,
    word_similarity_bound,
)
from exportguard.matching.dictionary import dictionary_words
from exportguard.matching.grouping import Screening, group_hits
from exportguard.matching.index import NameIndex, NameVariant
from exportguard.matching.model import (
    COMMON_WORD_ALONE_CAP,
    COMMON_WORD_CAP,
    DEFAULT_THRESHOLD,
    REVIEW_FLOOR,
    Feature,
    Hit,
)
from exportguard.matching.normalize import (
    NormalizedName,
    code_fingerprint,
    normalize,
    normalized_ahead,
    normalizer_fingerprint,
)
from exportguard.matching.reach_columns import QueryWords, might_reach_columns

MAX_NAME_LENGTH = 500
MAX_CANDIDATES = 80
#: The most the adjustments (legal form, country, address, or without one a place of the name found in a listed
#: address) can add to the name similarity.
MAX_BONUS = 0.08
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
#: Bounds and scores add the same terms in different orders: a bound is trusted only beyond rounding.
_BOUND_SLACK = 1e-9
#: Bit mask of the compact lengths the compact similarity compares with one (COMPACT_LENGTH_SLACK either side).
_COMPACT_WINDOW = (1 << (2 * COMPACT_LENGTH_SLACK + 1)) - 1


class ScreeningInputError(ValueError):
    """A screening request that cannot be answered as given (empty or oversized name, bad country code)."""


Adjustment = Callable[[NormalizedName, NameVariant, str | None, str | None], Feature | None]


class Screener:
    """An index over one list snapshot, answering screening queries in milliseconds."""

    def __init__(
        self,
        snapshot: ListSnapshot,
        native_names: Mapping[str, Sequence[str]] | None = None,
        statistics_of: NameIndex | None = None,
    ):
        self.snapshot = snapshot
        self.parties = snapshot.parties
        #: Entry key -> the native-script names indexed with it (kept for a screener over some of the entries).
        self.native_names: Mapping[str, Sequence[str]] = native_names or {}
        self.index = NameIndex(self.parties, native_names, statistics_of)
        dictionary_words()  # loaded with the index, not by the first query that needs it
        self.list_codes = frozenset(party.list_code for party in self.parties)
        #: Entry key -> its variant ids, built on the first screen of a few entries (which picks candidates by it).
        self._variants_by_key: dict[str, list[int]] | None = None

    def __setstate__(self, state: dict[str, object]) -> None:
        """Read back from the build cache: the dictionary is loaded with the index, as when it is built."""
        self.__dict__.update(state)
        dictionary_words()

    def learn_vocabulary(self) -> Screener:
        """Work out now, for every listed word, what the first query to meet it would have to (the listed word
        it stands for and its weight): a long-lived screener's first queries then cost what later ones do."""
        with self.index.learning():
            for word in self.index.listed_words():
                word_facts(self.index, word)
        return self

    @property
    def list_version(self) -> str:
        return self.snapshot.version.id

    def over_part(self, parties: Sequence[Party]) -> Screener:
        """A screener over some of this one's entries (a list change's added and modified ones), with the same
        spellings (the native-script names this one indexes with them included) and weighted like this one:
        a name that reaches one of them here reaches it there."""
        keys = {party.key for party in parties}
        natives = {key: names for key, names in self.native_names.items() if key in keys}
        return Screener(ListSnapshot(self.snapshot.version, tuple(parties)), natives, statistics_of=self.index)

    def screen(
        self,
        name: str,
        country: str | None = None,
        *,
        address: str | None = None,
        limit: int = 10,
        threshold: float = DEFAULT_THRESHOLD,
        lists: Collection[str] | None = None,
        entries: Collection[str] | None = None,
        normalized: NormalizedName | None = None,
    ) -> list[Hit]:
        """Hits scoring at least ``threshold``, best first, at most one per list entry.

        ``lists`` (list codes, any case; see :meth:`checked_lists` for refusing unknown ones, as every
        user-facing surface does) and ``entries`` (entry keys) keep only hits on those; the candidates
        are chosen first, as without them, so a kept hit scores the same either way (with ``entries``, only
        whether those entries' names make the cut is worked out: ``NameIndex.candidates`` ``among``).
        ``normalized`` is the name already normalised (stored with a customer), saving that step.
        """
        # Checked even when the name comes normalised (a stored customer's): no path screens an oversized name.
        checked = checked_name(name)
        query = normalized or normalize(checked)
        among = None if entries is None else self._variant_ids_of_entries(entries)
        candidates = self.index.candidates(query, MAX_CANDIDATES, among)
        country = checked_country(country)
        return self._ranked(query, candidates, country, address, threshold, _upper_codes(lists))[:limit]

    def screening(
        self,
        name: str,
        country: str | None = None,
        *,
        address: str | None = None,
        limit: int = 10,
        threshold: float = DEFAULT_THRESHOLD,
        lists: Collection[str] | None = None,
    ) -> Screening:
        """The hits grouped by listed entity family (at most ``limit`` families, every row of each), and
        the possible matches scoring from REVIEW_FLOOR up to ``threshold``: what people are shown."""
        query = normalize(checked_name(name))
        candidates = self.index.candidates(query, MAX_CANDIDATES)
        floor = min(threshold, REVIEW_FLOOR)
        ranked = self._ranked(query, candidates, checked_country(country), address, floor, self.checked_lists(lists))
        groups = group_hits([hit for hit in ranked if hit.score >= threshold])
        possible = tuple(hit for hit in ranked if hit.score < threshold)
        return Screening(name, threshold, tuple(groups[:limit]), len(groups), possible)

    def checked_lists(self, lists: Collection[str] | None) -> frozenset[str] | None:
        """List codes in upper case; an unknown one is an error naming the lists this snapshot holds."""
        codes = _upper_codes(lists)
        if codes is None:
            return None
        unknown = sorted(codes - self.list_codes)
        if unknown:
            raise ScreeningInputError(
                f"unknown list code{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
                f"valid: {', '.join(sorted(self.list_codes))}"
            )
        return codes

    def may_hit(self, name: str, threshold: float, normalized: NormalizedName | None = None) -> bool:
        """False when no entry can score ``threshold`` for the name: none is a candidate, or an upper bound
        of every candidate's score is below it. The cheap test before screening many names against a
        small index (candidates are found word by word, remembered)."""
        query = normalized or normalize(checked_name(name))
        return self._might_reach(query, threshold) and self._bound_reaches(query, threshold)

    def may_hit_many(self, queries: Sequence[NormalizedName], threshold: float,
                     words: QueryWords | None = None) -> list[int]:
        """The positions of the queries :meth:`may_hit` holds for: the word-by-word test over columns, for all of
        them at once (reach_columns), then the score bound for the few it admits. ``words``: the queries'
        ``query_words``, if the caller keeps them (a customer file's, across list changes)."""
        admitted = might_reach_columns(self.index, queries, *_word_thresholds(threshold), words)
        # Customer files repeat names (the 4,566 customers the bench admits hold 1,580 names): the bound, which only
        # the words as normalised and as written decide, is worked out once per name.
        bounds: dict[tuple[tuple[str, ...], tuple[str, ...]], bool] = {}
        kept = []
        for position in admitted.tolist():
            query = queries[position]
            key = (query.tokens, query.raw_tokens)
            reaches = bounds.get(key)
            if reaches is None:
                reaches = bounds[key] = self._bound_reaches(query, threshold)
            if reaches:
                kept.append(position)
        return kept

    def _bound_reaches(self, query: NormalizedName, threshold: float) -> bool:
        """Whether an upper bound of some reached name's score (:meth:`_may_reach`) reaches the threshold."""
        return any(self._may_reach(query, variant_id, threshold) for variant_id in self.index.reached(query))

    def _might_reach(self, query: NormalizedName, threshold: float) -> bool:
        """False when :meth:`_may_reach` holds for none of the names :meth:`NameIndex.reached` gives, decided from
        what each query word is remembered to reach (:class:`WordReach`), without retrieving a name: no word may
        reach one; or no name is reached other than word by word (joined-up words, or every word of a query
        without a distinctive one), no name's word bound reaches the threshold (with the contained bonus or
        without), and no name a word retrieves is of a shape the compact similarity compares (another number of
        words, a compact form as long give or take COMPACT_LENGTH_SLACK).

        One pass over the words' reaches: this runs for every customer of a delta re-screen."""
        index, tokens = self.index, query.tokens
        reaches = [remembered_reach(index, *pair) for pair in zip(tokens, query.raw_tokens, strict=True)]
        if not any([reach.may_reach for reach in reaches]):
            return False
        if reaches[0].joins and "".join(tokens[1:]) in reaches[0].joins:
            return True
        lengths, weight, distinctive, every_word_indexed = 0, 0.0, False, True
        resembling: list[Mapping[int, tuple[float, float, float]]] = []
        for following, (_may, joins, word_distinctive, indexed, shapes, word_weight, names) in enumerate(reaches, 1):
            if joins and following < len(tokens) and tokens[following] in joins:
                return True
            for words, mask in shapes:
                # The compact similarity is 0 for names of as many words.
                if words != len(tokens):
                    lengths |= mask
            weight += word_weight
            distinctive = distinctive or word_distinctive
            every_word_indexed = every_word_indexed and indexed
            if names:
                resembling.append(names)
        if not distinctive and every_word_indexed:
            return True
        if word_bound_may_reach(resembling, weight, len(tokens), *_word_thresholds(threshold)):
            return True
        return bool(lengths and lengths >> max(0, len(query.compact) - COMPACT_LENGTH_SLACK) & _COMPACT_WINDOW)

    def _may_reach(self, query: NormalizedName, variant_id: int, threshold: float) -> bool:
        """Whether an upper bound of the score (the word similarity's, with the contained bonus once every query
        word resembles one of the name's, or the compact similarity, plus every adjustment) reaches
        ``threshold``; its terms are worked out cheapest first, each only when the ones before fall short."""
        words = word_similarity_bound(query, variant_id, self.index)
        if words + MAX_BONUS >= threshold:
            return True
        # compact_similarity is 0 for names of as many words, or lengths apart: not worth the call.
        name_words, name_length = self.index.compact_shapes[variant_id]
        compact = 0.0
        if name_words != len(query.tokens) and abs(name_length - len(query.compact)) <= COMPACT_LENGTH_SLACK:
            compact = compact_similarity(query, self.index.variants[variant_id].normalized)
        if compact + MAX_BONUS >= threshold:
            return True
        return (len(query.tokens) >= 2 and words + features.contained_bonus(words) + MAX_BONUS >= threshold
                and every_word_resembles(query, variant_id, self.index))

    def _ranked(
        self,
        query: NormalizedName,
        variant_ids: Sequence[int],
        country: str | None,
        address: str | None,
        threshold: float,
        lists: Collection[str] | None,
    ) -> list[Hit]:
        best: dict[int, Hit] = {}
        if lists:
            variant_ids = self._on_lists(variant_ids, lists)
        if not variant_ids:
            return []
        aligner = Aligner(query, self.index)
        # Entries share spellings (a gazetteer name on every affiliate of a group, an alias on many rows): what
        # follows from the spelling alone is worked out once per query.
        by_spelling: dict[tuple[str, str], tuple[Alignment, NameEvidence] | None] = {}
        for variant_id in self._reachable(aligner, variant_ids, threshold):
            variant = self.index.variants[variant_id]
            spelling = (variant.name, variant.kind)
            if spelling not in by_spelling:
                alignment = aligner.align(variant.normalized)
                hopeless = _best_possible(alignment) < threshold
                by_spelling[spelling] = None if hopeless else (alignment, _name_evidence(query, variant, alignment))
            worked_out = by_spelling[spelling]
            if worked_out is None:
                continue
            hit = self._score(query, variant, *worked_out, country, address)
            kept = best.get(variant.party_index)
            if hit.score >= threshold and (kept is None or hit.score > kept.score):
                best[variant.party_index] = hit
        words = self.index.primary_words
        return [
            best[party]
            for party in sorted(
                best,
                key=lambda party: (-best[party].score, -_name_fit(query, words.get(party, frozenset())),
                                   best[party].party.list_code, best[party].party.name),
            )
        ]  # fmt: skip

    def _on_lists(self, variant_ids: Sequence[int], lists: Collection[str]) -> list[int]:
        """The candidates, in order, on the lists asked for: picked before any is bounded. (A screen of a few
        entries, a delta re-screen's, gets only their candidates from the index, so it learns and bounds only
        their words.)"""
        variants, parties = self.index.variants, self.parties
        return [variant_id for variant_id in variant_ids if parties[variants[variant_id].party_index].list_code in lists]

    def _variant_ids_of_entries(self, entries: Collection[str]) -> set[int]:
        """The variant ids of the entries with these keys."""
        if self._variants_by_key is None:
            by_key: dict[str, list[int]] = {}
            for variant_id, variant in enumerate(self.index.variants):
                by_key.setdefault(self.parties[variant.party_index].key, []).append(variant_id)
            self._variants_by_key = by_key
        return {variant_id for key in entries for variant_id in self._variants_by_key.get(key, ())}

    def _reachable(self, aligner: Aligner, variant_ids: Sequence[int], threshold: float) -> list[int]:
        """The candidates, in order, whose score could reach the threshold: an upper bound of the score, from
        which words have a partner at all, prunes the rest before they are aligned (docs/screening.md,
        "Performance", says why no hit is lost)."""
        variants, word_pairs = self.index.variants, self.index.word_pairs
        query = aligner.query
        words_needed = threshold - _BOUND_SLACK - MAX_BONUS
        kept = []
        aligner.learn_words(set().union(*[word_pairs[variant_id] for variant_id in variant_ids]))
        shapes = self.index.compact_shapes
        words_in_query, query_length = len(query.tokens), len(query.compact)
        for variant_id in variant_ids:
            words, every_word = aligner.partner_bound(word_pairs[variant_id])
            if every_word:
                words += features.contained_bonus(words)
            if words >= words_needed:
                kept.append(variant_id)
                continue
            # compact_similarity is 0 for names of as many words, or lengths apart: not worth the call.
            name_words, name_length = shapes[variant_id]
            if name_words == words_in_query or abs(name_length - query_length) > COMPACT_LENGTH_SLACK:
                continue
            if compact_similarity(query, variants[variant_id].normalized) >= words_needed:
                kept.append(variant_id)
        return kept

    def screen_many(self, queries: Iterable[tuple[str, str | None]], **options: object) -> list[list[Hit]]:
        """Screen (name, country) pairs in order; same options as :meth:`screen`."""
        return [self.screen(name, country, **options) for name, country in queries]  # type: ignore[arg-type]

    def _score(
        self,
        query: NormalizedName,
        variant: NameVariant,
        alignment: Alignment,
        name_evidence: NameEvidence,
        country: str | None,
        address: str | None,
    ) -> Hit:
        party = self.parties[variant.party_index]
        of_name, institution = name_evidence
        found = [
            features.company_against_individual(query, party),
            institution,
            features.country_agreement(country, party),
            features.address_agreement(address, party),
            features.place_in_address(alignment, address, party),
            features.cross_script_reading(query),
        ]
        evidence = [*of_name, *(feature for feature in found if feature is not None)]
        return Hit(
            party,
            _combine(evidence),
            query.original,
            variant.name,
            variant.is_alias,
            tuple(evidence),
            self.list_version,
        )


#: The features that follow from a candidate's spelling alone, in the order a hit lists them: the name
#: similarity with the features up to the legal form, and whether an institution meets a company.
NameEvidence = tuple[tuple[Feature, ...], Feature | None]


def _word_thresholds(threshold: float) -> tuple[float, float]:
    """The word similarity a name's score needs to reach ``threshold`` with every adjustment, and the lower one
    it needs once the contained bonus applies (every query word resembles one of the name's)."""
    needed = threshold - _BOUND_SLACK - MAX_BONUS
    return needed, (needed - features.CONTAINED_SHARE) / (1 - features.CONTAINED_SHARE)


def _name_evidence(query: NormalizedName, variant: NameVariant, alignment: Alignment) -> NameEvidence:
    """What a candidate's spelling alone tells, the same for every entry listing that spelling."""
    found = [
        features.distinctive_evidence(alignment, query, variant),
        features.single_common_word(alignment, query),
        features.common_word_alone(alignment, query),
        features.contained_name(alignment, query),
        features.misspelt_words(alignment),
        features.disguised_characters(query),
        features.matched_name_kind(variant),
        features.legal_form_agreement(query, variant),
    ]
    similarity = features.name_similarity(alignment, query, variant)
    return ((similarity, *(feature for feature in found if feature is not None)),
            features.institution_against_company(query, variant))


def _name_fit(query: NormalizedName, listed: frozenset[str]) -> float:
    """Among equal scores, the entry whose whole primary name is the query first: the headquarters row
    above the subsidiary "(Australia)" and above an affiliate clause naming it as parent."""
    ours = set(query.tokens)
    return len(listed & ours) / len(listed | ours) if listed or ours else 0.0


def _best_possible(alignment: Alignment) -> float:
    """An upper bound of the final score, so hopeless candidates skip feature building."""
    words = alignment.word_similarity
    if alignment.query.all_matched:
        words += features.contained_bonus(words)
    return max(words, alignment.compact) + MAX_BONUS


#: Features that cap the score at a value rather than add to it.
_CAPS = {
    "generic_only": features.GENERIC_ONLY_CAP,
    "common_word": COMMON_WORD_CAP,
    "common_word_alone": COMMON_WORD_ALONE_CAP,
}


def _combine(evidence: list[Feature]) -> float:
    score = evidence[0].value + sum(feature.value for feature in evidence[1:] if feature.name not in _CAPS)
    for feature in evidence:
        if feature.name in _CAPS:
            score = min(score, _CAPS[feature.name])
    return max(0.0, min(1.0, score))


def checked_name(name: str) -> str:
    """The name, refused when empty or longer than MAX_NAME_LENGTH."""
    if not isinstance(name, str) or not name.strip():
        raise ScreeningInputError("name must be a non-empty string")
    if len(name) > MAX_NAME_LENGTH:
        raise ScreeningInputError(f"name is longer than {MAX_NAME_LENGTH} characters")
    return name


def checked_country(country: str | None) -> str | None:
    """The country code in upper case (None when not given), refused unless an ISO 3166 alpha-2 code: a country
    name or a three-letter code is never guessed at, the message says what to write instead."""
    if country is None or country == "":
        return None
    if not _COUNTRY.match(country) or country.upper() not in ISO_ALPHA2:
        raise ScreeningInputError(
            f"country must be an ISO 3166 alpha-2 code such as CN, RU or IR (see ISO 3166-1), got {country!r}"
            + _country_hint(country)
        )
    return country.upper()


def _country_hint(country: str) -> str:
    """What to write instead of a country name the lists spell, or of a three-letter code."""
    code = iso2(country)
    if code:
        return f": write {code} for {country}"
    if len(country.strip()) == 3 and country.strip().isalpha():
        return ": that is a three-letter (alpha-3) code, write the two-letter one (US for USA, CN for CHN)"
    return ""


@lru_cache(maxsize=1)
def matcher_fingerprint() -> str:
    """Changes whenever a screening result could: a hash of the matching code, its word lists and
    pypinyin's version. Stored results computed under another fingerprint are not comparable."""
    return code_fingerprint(sorted(module.name for module in Path(__file__).parent.glob("*.py")))


@lru_cache(maxsize=1)
def reference_screener() -> Screener:
    """The screener over the 2022 CSL and China's counter-lists, the lists matching is measured on (golden
    scores, must-show names): their answers do not move when newer lists are bundled."""
    from exportguard.lists.bundled import matching_reference, reference_inputs

    return _bundled_screener("reference-screener", matching_reference, reference_inputs())


@lru_cache(maxsize=1)
def default_screener() -> Screener:
    """The screener over the bundled lists, built once per process (or read back from the build cache) with its
    vocabulary learnt, and frozen out of the garbage collector's reach (exportguard.heap), so no query pays for
    a walk over the index nor for a first meeting with a listed word."""
    from exportguard.lists.bundled import default_inputs, default_snapshot
    from exportguard.matching.normal_forms import bundled_normal_forms

    return _bundled_screener("default-screener", default_snapshot, default_inputs(), bundled_normal_forms)


def with_native_names(snapshot: ListSnapshot) -> Screener:
    """The screener over a snapshot with the gazetteer's native-script names of its parties: what the library,
    the server and a stored re-screen screen with."""
    from exportguard.matching.gazetteer import native_names_for

    return Screener(snapshot, native_names_for(snapshot))


def _bundled_screener(name: str, snapshot_of: Callable[[], ListSnapshot], inputs: Sequence[Path],
                      normal_forms: Callable[[], Mapping[str, NormalizedName]] = dict) -> Screener:
    """The screener over bundled lists, from the build cache (exportguard.buildcache) when it holds one built
    from these very files by this very code, else built (their names' ``normal_forms``, derived ahead of time,
    saving their normalisation), its vocabulary learnt (so the cache holds it), and cached by a background
    writer (the caller does not wait for the pickling); frozen either way."""

    def build() -> Screener:
        with normalized_ahead(normal_forms()):
            return with_native_names(snapshot_of()).learn_vocabulary()

    key = build_key(inputs, normalizer_fingerprint())
    return built_frozen(lambda: cached_build(name, key, build, in_background=True))


def _upper_codes(lists: Collection[str] | None) -> frozenset[str] | None:
    """List codes as the lists name them (upper case), or None for every list."""
    return frozenset(code.strip().upper() for code in lists) if lists else None
