"""The application state machine against the transitions of spec section 8.5."""

from __future__ import annotations

import pytest

from exportguard.licenses.lifecycle import TRANSITIONS, IllegalTransition, State, check_transition, is_final

S = State

LEGAL = [
    (S.DRAFT, S.SUBMITTED),
    (S.SUBMITTED, S.REGISTERED),
    (S.SUBMITTED, S.RETURNED_UNREGISTERED),
    (S.REGISTERED, S.INITIAL_REVIEW),
    (S.INITIAL_REVIEW, S.INFO_REQUESTED),
    (S.INFO_REQUESTED, S.INITIAL_REVIEW),
    (S.INITIAL_REVIEW, S.RETURNED_NLR),
    (S.INITIAL_REVIEW, S.RETURNED_WITHOUT_ACTION),
    (S.INITIAL_REVIEW, S.APPROVED),
    (S.INITIAL_REVIEW, S.INTENT_TO_DENY),
    (S.INITIAL_REVIEW, S.REFERRED),
    (S.REFERRED, S.AGENCY_REVIEW),
    (S.AGENCY_REVIEW, S.APPROVED),
    (S.AGENCY_REVIEW, S.INTENT_TO_DENY),
    (S.AGENCY_REVIEW, S.ESCALATED_OC),
    (S.ESCALATED_OC, S.ESCALATED_ACEP),
    (S.ESCALATED_ACEP, S.ESCALATED_EARB),
    (S.ESCALATED_EARB, S.PRESIDENT),
    (S.INTENT_TO_DENY, S.RESPONSE_WINDOW),
    (S.RESPONSE_WINDOW, S.APPROVED),
    (S.RESPONSE_WINDOW, S.DENIED),
    (S.DENIED, S.APPEAL_PENDING),
    (S.APPEAL_PENDING, S.APPEAL_GRANTED),
    (S.APPEAL_PENDING, S.APPEAL_DENIED),
]

ILLEGAL = [
    (S.DRAFT, S.APPROVED),  # nothing is decided before BIS registers it
    (S.SUBMITTED, S.INITIAL_REVIEW),  # registration comes first (750.4(a)(2))
    (S.INFO_REQUESTED, S.APPROVED),  # the clock restarts in initial review
    (S.REFERRED, S.APPROVED),  # agencies review first
    (S.INTENT_TO_DENY, S.DENIED),  # the 20-day response window must open (750.6)
    (S.APPROVED, S.DENIED),
    (S.DENIED, S.APPROVED),  # only through an appeal
    (S.RETURNED_WITHOUT_ACTION, S.SUBMITTED),  # resubmission is a new application
]


@pytest.mark.parametrize(("current", "target"), LEGAL)
def test_legal_transitions_pass(current: State, target: State) -> None:
    check_transition(current, target)


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_illegal_transitions_name_the_allowed_ones(current: State, target: State) -> None:
    with pytest.raises(IllegalTransition) as raised:
        check_transition(current, target)
    assert raised.value.allowed == sorted(TRANSITIONS.get(current, frozenset()))
    assert "allowed:" in str(raised.value)


def test_every_legal_pair_is_in_the_table_and_no_more() -> None:
    table_pairs = {(current, target) for current, targets in TRANSITIONS.items() for target in targets}
    escalation_decisions = {
        (level, outcome)
        for level in (S.ESCALATED_OC, S.ESCALATED_ACEP, S.ESCALATED_EARB, S.PRESIDENT)
        for outcome in (S.APPROVED, S.INTENT_TO_DENY)
    }
    assert table_pairs == set(LEGAL) | escalation_decisions


@pytest.mark.parametrize(
    "state", [S.APPROVED, S.RETURNED_NLR, S.RETURNED_WITHOUT_ACTION, S.RETURNED_UNREGISTERED, S.APPEAL_DENIED]
)
def test_outcomes_are_final(state: State) -> None:
    assert is_final(state)


def test_every_state_is_reachable_from_draft() -> None:
    reached, frontier = {S.DRAFT}, [S.DRAFT]
    while frontier:
        for following in TRANSITIONS.get(frontier.pop(), frozenset()):
            if following not in reached:
                reached.add(following)
                frontier.append(following)
    assert reached == set(State)
