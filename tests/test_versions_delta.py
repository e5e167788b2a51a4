"""List diffs, the drop guard, and delta re-screening equal to a full re-screen on real SDN changes (2019->2021,
2021->2024) and on a CSL change."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exportguard.batch import delta as delta_module
from exportguard.batch import runner as runner_module
from exportguard.batch.delta import CustomerFile, DeltaScreen, DueScreen, delta_screener, rescreen
from exportguard.batch.runner import Customer, LocalRunner, ScreeningResult
from exportguard.lists import ofac_sdn
from exportguard.lists.bundled import bundled_csl
from exportguard.lists.model import ListSnapshot
from exportguard.lists.versions import (
    MIN_CHANGED_ENTRIES,
    GuardLimits,
    Reference,
    content_hash,
    diff,
    guard_failures,
)
from exportguard.matching.alignment import word_reach, word_reaches
from exportguard.matching.gazetteer import native_names_for
from exportguard.matching.normalize import normalize
from exportguard.matching.reach_columns import might_reach_columns
from exportguard.matching.screener import _word_thresholds, with_native_names


@pytest.fixture(scope="module")
def sdn_pair(fixtures: Path) -> tuple[ListSnapshot, ListSnapshot]:
    return ofac_sdn.load(fixtures / "ofac_sdn_2019-01"), ofac_sdn.load(fixtures / "ofac_sdn_2021-07")


def test_real_sdn_change_2019_to_2021(sdn_pair) -> None:  # type: ignore[no-untyped-def]
    changes = diff(*sdn_pair)
    assert changes.summary() == {"added": 1858, "removed": 261, "modified": 843}
    fields = {field for change in changes.modified for field in change.fields}
    assert {"remarks", "programs", "aliases", "addresses", "name"} <= fields
    for change in changes.modified:
        assert all(change.old.content_fields()[f] != change.new.content_fields()[f] for f in change.fields)
        assert content_hash(change.old) != content_hash(change.new)


def test_unchanged_entries_keep_their_content_hash(sdn_pair) -> None:  # type: ignore[no-untyped-def]
    old, new = sdn_pair
    changed = {party.key for party in diff(old, new).changed}
    new_by_key = new.by_key()
    same = [party for party in old.parties if party.key in new_by_key and party.key not in changed]
    assert same and all(content_hash(party) == content_hash(new_by_key[party.key]) for party in same)


@settings(deadline=None)  # the first example loads the bundled CSL
@given(st.integers(min_value=0, max_value=200), st.floats(min_value=0.0, max_value=1.0))
def test_shrink_guard_refuses_exactly_above_the_share(removed: int, max_drop: float) -> None:
    parties = tuple(party for party in bundled_csl().parties if party.list_code == "SDN")[:200]
    old = ListSnapshot(bundled_csl().version, parties)
    new = ListSnapshot(bundled_csl().version, parties[removed:])
    failures = guard_failures(new, Reference.of(old, [], "old"), GuardLimits(max_drop=max_drop, max_renamed=1.0))
    if removed == 200:
        assert [f.check for f in failures] == ["list_vanished"]
    elif removed > MIN_CHANGED_ENTRIES and removed / 200 > max_drop:
        assert [f.check for f in failures] == ["list_shrank"]
    else:
        assert failures == []


def customer_names(old: ListSnapshot, new: ListSnapshot, count: int) -> list[Customer]:
    """Real names: SDN names of both versions (some varied), plus non-SDN CSL names as negatives."""
    rng = random.Random(2021)
    listed = [party.name for party in rng.sample(old.parties, count // 4) + rng.sample(new.parties, count // 4)]
    varied = [_variant(name, rng) for name in listed[: count // 4]]
    others = [party.name for party in bundled_csl().parties if party.list_code != "SDN"]
    names = listed + varied + rng.sample(others, count - len(listed) - len(varied))
    return [Customer(f"C{number}", name) for number, name in enumerate(names)]


def _variant(name: str, rng: random.Random) -> str:
    words = name.split()
    if len(words) > 1 and rng.random() < 0.5:
        words.pop(rng.randrange(len(words)))
    position = rng.randrange(len(words[0]))
    words[0] = words[0][:position] + words[0][position + 1 :]
    return " ".join(words).title() or name


def _pairs(results: list[ScreeningResult]) -> set[tuple[str, str, float]]:
    return {(result.customer_id, result.entry_key, result.score) for result in results if result.is_hit()}


def _delta_equals_full(old: ListSnapshot, new: ListSnapshot, count: int, processes: int = 1,
                       as_file: bool = False) -> None:
    customers = customer_names(old, new, count)
    # The same parties again under other customer numbers: a delta screens each distinct question once.
    customers += [replace(customer, id=f"{customer.id}-again") for customer in customers[::7]]
    runner = LocalRunner(processes=1)
    before = [row for rows in runner.run(old, customers) for row in rows]
    full = [row for rows in runner.run(new, customers) for row in rows]
    given = CustomerFile(tuple(customers)) if as_file else customers
    changes = diff(old, new)
    outcome = rescreen(new, changes, given, before, LocalRunner(processes=processes))
    assert _pairs(outcome.results) == _pairs(full)
    # How far the change moved recorded scores on entries it left alone: as far as it moved them in full.
    scores = {(result.customer_id, result.entry_key): result.score for result in before}
    gone = {party.key for party in (*changes.changed, *changes.removed)}
    moves = [abs(r.score - scores[(r.customer_id, r.entry_key)]) for r in full
             if (r.customer_id, r.entry_key) in scores and r.entry_key not in gone]
    assert outcome.drift == max(moves) > 0
    assert [row.customer_id for row in outcome.results] == sorted(
        (row.customer_id for row in outcome.results), key=[customer.id for customer in customers].index)
    assert {r.list_version for r in outcome.results} == {new.version.id}
    retired = {(r.customer_id, r.entry_key) for r in outcome.retired}
    assert retired == {(r.customer_id, r.entry_key) for r in before} - {(r.customer_id, r.entry_key) for r in full}
    assert any(not result.is_hit() for result in outcome.results)  # near misses are kept for next time
    assert outcome.new and outcome.retired


def _refused(results: list[ScreeningResult]) -> set[tuple[str, str, str]]:
    return {(result.customer_id, result.features, result.list_version) for result in results if not result.screened}


def test_a_delta_rescreen_reports_the_customers_the_screener_refuses_as_a_full_one_does(sdn_pair) -> None:  # type: ignore[no-untyped-def]
    """Customers refused for their name or their country are due although they reach no change, and are reported by
    the delta, never passed over as unchanged: with the results of last time or without the rows that said so, and
    with the names' normal forms stored (as the customer store keeps them) or not."""
    old, new = sdn_pair
    refused = [Customer("R-1", "Banco Nacional de Cuba", "USA"), Customer("R-2", "Acme Trading " * 40),
               Customer("R-3", "Acme Trading", "China"), Customer("R-4", "")]
    customers = [*customer_names(old, new, 40), *refused]
    runner = LocalRunner(processes=1)
    before = [row for rows in runner.run(old, customers) for row in rows]
    full = [row for rows in runner.run(new, customers) for row in rows]
    outcome = rescreen(new, diff(old, new), customers, before, runner)
    assert {customer for customer, _reason, _version in _refused(full)} == {"R-1", "R-2", "R-3", "R-4"}
    assert _refused(outcome.results) == _refused(full)
    assert _pairs(outcome.results) == _pairs(full)
    assert not _refused(outcome.new) and not _refused(outcome.retired)
    unrecorded = [result for result in before if result.screened]  # as a store keeps them: hits and near misses
    stored = [replace(customer, normalized=normalize(customer.name)) if customer.name else customer
              for customer in customers]
    for file in (customers, stored):
        assert _refused(rescreen(new, diff(old, new), file, unrecorded, runner).results) == _refused(full)


@pytest.mark.parametrize(("processes", "as_file"), [(1, False), (2, True)])
def test_delta_rescreen_equals_full_rescreen_small(sdn_pair, processes: int, as_file: bool,  # type: ignore[no-untyped-def]
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """In process, and with the customers who had results screened by a worker while the parent selects the rest
    (a customer file kept across list changes, its words worked out once)."""
    monkeypatch.setattr(runner_module, "ASIDE_PER_HELPER", 1)  # a worker even for this file's few
    _delta_equals_full(*sdn_pair, count=400, processes=processes, as_file=as_file)


@pytest.mark.slow
def test_delta_rescreen_equals_full_rescreen_thousands(sdn_pair) -> None:  # type: ignore[no-untyped-def]
    _delta_equals_full(*sdn_pair, count=4000)


@pytest.mark.slow
def test_delta_rescreen_equals_full_across_the_2021_to_2024_sdn_change(fixtures: Path) -> None:
    """Thousands of entries added (Russia 2022), hundreds removed and modified: sdn.csv of 2021-08-20 and 2024-05-03."""
    old, new = (ofac_sdn.load(fixtures / f"ofac_sdn_{day}", allow_partial=True) for day in ("2021-08-20", "2024-05-03"))
    assert diff(old, new).summary() == {"added": 6758, "removed": 879, "modified": 752}
    _delta_equals_full(old, new, count=2000)


@pytest.mark.slow
def test_delta_rescreen_equals_full_on_the_csl(sdn_pair) -> None:  # type: ignore[no-untyped-def]
    """A CSL change: the 2022 CSL against itself with 2% of entries dropped and 2% renamed."""
    new = bundled_csl()
    rng = random.Random(7)
    parties = [party for party in new.parties if rng.random() > 0.02]
    parties = [replace(p, name=p.name + " Trading") if rng.random() < 0.02 else p for p in parties]
    old = ListSnapshot(replace(new.version, content_hash="0" * 64), tuple(parties))
    _delta_equals_full(old, new, count=2000)


def test_a_query_whose_words_may_not_reach_the_changed_entries_reaches_none_of_them(sdn_pair) -> None:  # type: ignore[no-untyped-def]
    """The word-by-word test before a delta re-screen's bounds never drops a customer the small index
    reaches: real SDN and CSL names of both versions, varied, against the 2019 -> 2021 changes."""
    old, new = sdn_pair
    changed = delta_screener(new, diff(old, new)).index
    customers = customer_names(old, new, 2000)
    split = [Customer(c.id, " ".join([*c.name.split()[:1], "Holding", "Co"])) for c in customers[:300]]
    joined = [Customer(c.id, "".join(c.name.split()[:2])) for c in customers[:300]]  # "Hua Wei" -> "HuaWei"
    reached = 0
    for customer in customers + split + joined:
        query = normalize(customer.name)
        if changed.reached(query):
            reached += 1
            assert any(changed.may_reach(token) for token in query.tokens), customer.name
    assert reached > 50


def test_the_word_by_word_test_is_exact_and_rules_out_much_of_what_the_bound_rules_out(sdn_pair) -> None:  # type: ignore[no-untyped-def]
    """may_hit first asks what each word of a customer's name is remembered to reach: on the real 2019 -> 2021
    SDN change, it rules out no customer the score bound admits (exact), and at least 40% of those the bound rules
    out (about half when written; a weaker word-by-word test sends them on to retrieval and the bound)."""
    old, new = sdn_pair
    changed = delta_screener(new, diff(old, new))
    customers = customer_names(old, new, 2000)
    split = [Customer(c.id, " ".join([*c.name.split()[:1], "Holding", "Co"])) for c in customers[:300]]
    joined = [Customer(c.id, "".join(c.name.split()[:2])) for c in customers[:300]]
    for threshold in (0.70, 0.80):
        admitted = passed = reached = 0
        for customer in customers + split + joined:
            query = normalize(customer.name)
            names = changed.index.reached(query)
            bound = any(changed._may_reach(query, variant_id, threshold) for variant_id in names)
            word_by_word = changed._might_reach(query, threshold)
            assert word_by_word or not bound, customer.name
            reached, admitted, passed = reached + bool(names), admitted + bound, passed + (word_by_word and bool(names))
        assert admitted < reached / 2  # the bound rules out most customers reaching a changed name
        assert passed - admitted <= 0.6 * (reached - admitted), (reached, admitted, passed)


def test_the_columnar_word_test_is_the_per_customer_one_on_the_real_sdn_change(sdn_pair) -> None:  # type: ignore[no-untyped-def]
    """The delta re-screen's selection over all customers at once (Screener.may_hit_many, over columns) admits,
    on the real 2019 -> 2021 SDN change, exactly the customers the per-customer word-by-word test admits (none
    fewer, none more but at the threshold's edge), so it rules out at least 40% of what the score bound rules out."""
    old, new = sdn_pair
    changed = delta_screener(new, diff(old, new))
    customers = customer_names(old, new, 2000)
    split = [Customer(c.id, " ".join([*c.name.split()[:1], "Holding", "Co"])) for c in customers[:300]]
    joined = [Customer(c.id, "".join(c.name.split()[:2])) for c in customers[:300]]
    queries = [normalize(customer.name) for customer in customers + split + joined]
    for threshold in (0.70, 0.80):
        columns = set(might_reach_columns(changed.index, queries, *_word_thresholds(threshold)).tolist())
        word_by_word = {at for at, query in enumerate(queries) if changed._might_reach(query, threshold)}
        edge = {at for at, query in enumerate(queries) if changed._might_reach(query, threshold - 1e-6)}
        assert word_by_word <= columns <= edge
        reached = {at for at, query in enumerate(queries) if changed.index.reached(query)}
        admitted = {at for at in reached if changed._bound_reaches(queries[at], threshold)}
        assert admitted <= columns
        assert len(columns & reached) - len(admitted) <= 0.6 * (len(reached) - len(admitted))
        assert set(changed.may_hit_many(queries, threshold)) == admitted


def test_word_reaches_in_a_batch_are_those_worked_out_word_by_word_on_the_real_sdn_change(sdn_pair) -> None:  # type: ignore[no-untyped-def]
    """The first meetings of a delta re-screen's customer words with the changed entries, worked out in one batch,
    are exactly those worked out word by word (each on its own new index of the real 2019 -> 2021 SDN change): real
    SDN and CSL names of both versions, misspelt, split and joined up."""
    old, new = sdn_pair
    changes = diff(old, new)
    full = with_native_names(new)
    customers = customer_names(old, new, 2000)
    split = [Customer(c.id, " ".join([*c.name.split()[:1], "Holding", "Co"])) for c in customers[:300]]
    joined = [Customer(c.id, "".join(c.name.split()[:2])) for c in customers[:300]]
    queries = [normalize(customer.name) for customer in customers + split + joined]
    pairs = [pair for query in queries for pair in zip(query.tokens, query.raw_tokens, strict=True)]
    assert any(token != raw for token, raw in pairs)
    one_by_one, batched = delta_screener(new, changes, full).index, delta_screener(new, changes, full).index
    reaches = word_reaches(batched, pairs)
    assert reaches == [word_reach(one_by_one, *pair) for pair in pairs]
    assert sum(bool(reach.names) for reach in reaches) > 500


def test_a_delta_rescreen_with_native_names_meets_changed_entries_by_them() -> None:
    """Screened as the store and the server screen (the gazetteer's native-script names indexed), the changed
    entries' index holds their native names too: customers written in Chinese script, meeting changed entries
    only by those names, get the full re-screen's hits."""
    new = bundled_csl()
    natives = native_names_for(new)
    rng = random.Random(5)
    renamed = set(rng.sample(sorted(key for key in natives if key in new.by_key()), 40))
    old = ListSnapshot(replace(new.version, content_hash="0" * 64),
                       tuple(replace(p, name=p.name + " Trading") if p.key in renamed else p for p in new.parties))
    written = [names[0] for key, names in sorted(natives.items()) if key in renamed]
    customers = [Customer(f"N{number}", name) for number, name in enumerate([*written, "Siemens AG", "华为"])]
    screener = with_native_names(new)
    runner = LocalRunner(processes=1)
    before = [row for rows in LocalRunner(1, screener=with_native_names(old)).run(old, customers) for row in rows]
    full = [row for rows in LocalRunner(1, screener=screener).run(new, customers) for row in rows]
    outcome = rescreen(new, diff(old, new), customers, before, runner, full=screener)
    assert _pairs(outcome.results) == _pairs(full)
    assert {(r.customer_id, r.entry_key) for r in full if r.is_hit() and r.entry_key in renamed}


def test_a_delta_screens_once_a_name_written_in_ways_that_normalise_alike(sdn_pair, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Customer files write one company many ways ("Co., Ltd", "Co. Ltd", "Company Limited"): with their normal forms
    stored, a delta screens the name once and gives every customer the rows a full re-screen gives it, field for
    field (matched name and explanation included)."""
    old, new = sdn_pair
    changes = diff(old, new)
    gone = changes.gone
    company = next(party for party in old.parties if party.entity_type != "Individual" and party.key not in gone
                   and not normalize(party.name).legal_forms and len(normalize(party.name).tokens) >= 2)
    spellings = [f"{company.name} Co., Ltd", f"{company.name} Co. Ltd", f"{company.name.upper()} CO LTD",
                 f"{company.name} Company Limited"]
    customers = [Customer(f"S{number}", name, normalized=normalize(name)) for number, name in enumerate(spellings)]
    # The same form read from a name too long to screen: refused, with its own reason, not given the others' rows.
    too_long = f"{company.name} Co., Ltd{'.' * 500}"
    customers.append(Customer("S-long", too_long, normalized=normalize(too_long)))
    assert normalize(too_long).tokens == customers[0].normalized.tokens
    runner = LocalRunner(processes=1)
    before = [row for rows in runner.run(old, customers) for row in rows]
    full = [row for rows in runner.run(new, customers) for row in rows]
    assert {row.customer_id for row in before} == {customer.id for customer in customers}
    assert [row.screened for row in full if row.customer_id == "S-long"] == [False]
    screened: list[str] = []
    real_screen = delta_module.screen_customer

    def counted(screener, customer, *args):  # type: ignore[no-untyped-def]
        screened.append(customer.id)
        return real_screen(screener, customer, *args)

    monkeypatch.setattr(delta_module, "screen_customer", counted)
    outcome = rescreen(new, changes, customers, before, runner)
    assert sorted(outcome.results, key=ScreeningResult.row) == sorted(full, key=ScreeningResult.row)
    assert len(set(screened) - {"S-long"}) == 1


def test_a_name_the_screener_refuses_never_shares_the_answer_of_a_name_of_the_same_form(sdn_pair) -> None:  # type: ignore[no-untyped-def]
    """Two customers with results on the same entry and names of the same normal form, one of them too long to
    screen: the screen asks them apart, so the refused one gets its reason, never the other's hit."""
    old, new = sdn_pair
    changes = diff(old, new)
    company = next(party for party in old.parties if party.entity_type != "Individual" and party.key not in changes.gone
                   and len(normalize(party.name).tokens) >= 2)
    too_long = f"{company.name}{'.' * 500}"
    customers = [Customer("S-short", company.name, normalized=normalize(company.name)),
                 Customer("S-long", too_long, normalized=normalize(too_long))]
    assert customers[0].normalized.tokens == customers[1].normalized.tokens
    full = with_native_names(new)
    recorded = {customer.id: frozenset({company.key}) for customer in customers}
    rows = DueScreen(DeltaScreen(full, delta_screener(new, changes, full), recorded), frozenset())(customers)
    assert [(row.customer_id, row.screened) for row in rows] == [("S-short", True), ("S-long", False)]
    assert rows[0].entry_key == company.key and "longer than" in rows[1].features
