"""Processing deadlines per 15 CFR 750.4 and 750.6, from application histories."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exportguard.licenses.deadlines import deadlines, effective_state, overdue, paused_days
from exportguard.licenses.lifecycle import State, allowed_after

S = State
D = date

# A Huawei-era application: registered 2019-08-01, referred on day 7, agencies silent.
REFERRED = [(S.DRAFT, D(2019, 7, 25)), (S.SUBMITTED, D(2019, 7, 30)), (S.REGISTERED, D(2019, 8, 1)),
            (S.INITIAL_REVIEW, D(2019, 8, 1)), (S.REFERRED, D(2019, 8, 8)), (S.AGENCY_REVIEW, D(2019, 8, 8))]
# Information requested on day 3 and supplied 12 days later: BIS's clock stands still (750.4(b)(1)).
PAUSED = [(S.DRAFT, D(2019, 7, 25)), (S.SUBMITTED, D(2019, 7, 30)), (S.REGISTERED, D(2019, 8, 1)),
          (S.INITIAL_REVIEW, D(2019, 8, 1)), (S.INFO_REQUESTED, D(2019, 8, 4)), (S.INITIAL_REVIEW, D(2019, 8, 16))]
# Intent to deny on 2019-11-15 (Ross: "20-day intent-to-deny letters"), notice sent 2019-11-19.
INTENT = [*REFERRED, (S.INTENT_TO_DENY, D(2019, 11, 15)), (S.RESPONSE_WINDOW, D(2019, 11, 19))]

CASES = [
    # history, today, deadline name, due date, met on
    (REFERRED, D(2019, 8, 20), "initial_action", D(2019, 8, 10), D(2019, 8, 8)),
    (REFERRED, D(2019, 8, 20), "agency_recommendation", D(2019, 9, 7), None),
    (REFERRED, D(2019, 8, 20), "overall", D(2019, 10, 30), None),
    (PAUSED, D(2019, 8, 20), "initial_action", D(2019, 8, 22), None),
    (PAUSED, D(2019, 8, 20), "overall", D(2019, 11, 11), None),
    (INTENT, D(2019, 11, 25), "intent_to_deny_notice", D(2019, 11, 20), D(2019, 11, 19)),
    (INTENT, D(2019, 11, 25), "applicant_response", D(2019, 12, 9), None),
    (INTENT, D(2019, 11, 25), "denial_final", D(2020, 1, 3), None),
    ([*INTENT, (S.DENIED, D(2020, 1, 3))], D(2020, 1, 10), "appeal", D(2020, 2, 17), None),
]


@pytest.mark.parametrize(("history", "today", "name", "due", "met_on"), CASES)
def test_deadline_dates(history: list, today: date, name: str, due: date, met_on: date | None) -> None:
    found = {deadline.name: deadline for deadline in deadlines(history, today)}
    assert found[name].due == due
    assert found[name].met_on == met_on


def test_paused_days_count_the_info_request_only() -> None:
    assert paused_days(PAUSED, D(2019, 9, 1)) == 12
    assert paused_days(REFERRED, D(2019, 9, 1)) == 0


def test_pause_still_open_counts_up_to_today() -> None:
    assert paused_days(PAUSED[:5], D(2019, 8, 10)) == 6


def test_silent_agencies_make_the_recommendation_overdue_on_day_31() -> None:
    assert [d.name for d in overdue(REFERRED, D(2019, 9, 7))] == []
    assert [d.name for d in overdue(REFERRED, D(2019, 9, 8))] == ["agency_recommendation"]


def test_overall_90_days_overdue_after_day_90() -> None:
    names = [d.name for d in overdue(REFERRED, D(2019, 10, 31))]
    assert "overall" in names


def test_unregistered_application_has_no_bis_deadline() -> None:
    assert deadlines(REFERRED[:2], D(2020, 1, 1)) == []


def test_escalated_case_has_no_90_day_overall_deadline() -> None:
    escalated = [*REFERRED, (S.ESCALATED_OC, D(2019, 9, 10))]
    assert "overall" not in {d.name for d in deadlines(escalated, D(2019, 12, 1))}


@pytest.mark.parametrize(
    ("today", "state"),
    [(D(2020, 1, 3), S.RESPONSE_WINDOW), (D(2020, 1, 4), S.DENIED)],
)
def test_intent_to_deny_becomes_final_after_day_45(today: date, state: State) -> None:
    assert effective_state(INTENT, today) == state


def test_approval_within_window_meets_the_response_deadlines() -> None:
    approved = [*INTENT, (S.APPROVED, D(2019, 12, 2))]
    assert overdue(approved, D(2020, 6, 1)) == []
    assert effective_state(approved, D(2020, 6, 1)) == S.APPROVED


walks = st.lists(st.tuples(st.integers(0, 10), st.integers(0, 40)), max_size=25)


def _walk(steps: list[tuple[int, int]]) -> list[tuple[State, date]]:
    """A legal history: at each step, one of the states allowed next, entered ``gap`` days later."""
    history, day = [(S.DRAFT, D(2019, 6, 1))], D(2019, 6, 1)
    for choice, gap in steps:
        allowed = sorted(allowed_after(history[-1][0]))
        if not allowed:
            break
        day += timedelta(days=gap)
        history.append((allowed[choice % len(allowed)], day))
    return history


@given(walks, st.integers(0, 400))
def test_deadlines_are_consistent_for_any_legal_history(steps: list[tuple[int, int]], later: int) -> None:
    history = _walk(steps)
    today = history[-1][1] + timedelta(days=later)
    start = history[0][1]
    assert 0 <= paused_days(history, today) <= (today - start).days
    for deadline in deadlines(history, today):
        assert deadline.due > start
        assert deadline.met_on is None or start <= deadline.met_on <= today
        assert deadline.overdue(today) == (deadline.met_on is None and today > deadline.due)
    assert effective_state(history, today) in {history[-1][0], S.DENIED}
