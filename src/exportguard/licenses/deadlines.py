"""Processing deadlines of a license application (15 CFR 750.4, 750.6, 756.1), from its history.

A history is the list of (state, date entered) pairs, oldest first. Days are calendar days;
days spent in a paused state (information requested from the applicant) do not count
against BIS's clock (750.4(b)(1)).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from exportguard.licenses.lifecycle import PAUSED, State

History = Sequence[tuple[State, date]]
S = State
_RESOLVED = frozenset({S.APPROVED, S.DENIED, S.RETURNED_NLR, S.RETURNED_WITHOUT_ACTION, S.PRESIDENT})
_ESCALATED = frozenset({S.ESCALATED_OC, S.ESCALATED_ACEP, S.ESCALATED_EARB, S.PRESIDENT})


@dataclass(frozen=True)
class Deadline:
    """One regulatory deadline: when it falls, the rule behind it, and when (if ever) it was met."""

    name: str
    due: date
    citation: str
    explanation: str
    met_on: date | None

    def overdue(self, today: date) -> bool:
        """Unmet and past its due date."""
        return self.met_on is None and today > self.due


def entered(history: History, states: frozenset[State] | State, after: date | None = None) -> date | None:
    """The first date the application entered one of ``states`` (on or after ``after``)."""
    wanted = states if isinstance(states, frozenset) else frozenset({states})
    return next((on for state, on in history if state in wanted and (after is None or on >= after)), None)


def paused_days(history: History, until: date) -> int:
    """Calendar days spent in paused states before ``until``."""
    total = 0
    for (state, start), (_next_state, end) in zip(history, [*history[1:], (None, until)], strict=True):
        if state in PAUSED:
            total += max(0, (min(end, until) - start).days)
    return total


def initial_action(history: History, today: date) -> Deadline | None:
    """BIS acts on a registered application within 9 days, paused days excluded (750.4(c))."""
    registered = entered(history, S.REGISTERED)
    if registered is None:
        return None
    left_review = entered(history, _RESOLVED | {S.REFERRED, S.INTENT_TO_DENY}, registered)
    pause = paused_days(history, left_review or today)
    return Deadline("initial_action", registered + timedelta(days=9 + pause), "15 CFR 750.4(c)",
                    "BIS initial processing: 9 days from registration", left_review)


def agency_recommendation(history: History, today: date) -> Deadline | None:
    """Reviewing agencies recommend within 30 days of referral; silence is no objection (750.4(d)(2), (e))."""
    referred = entered(history, S.REFERRED)
    if referred is None:
        return None
    done = entered(history, _RESOLVED | _ESCALATED | {S.INTENT_TO_DENY}, referred)
    return Deadline("agency_recommendation", referred + timedelta(days=30), "15 CFR 750.4(d)(2)",
                    "agency recommendation: 30 days from referral", done)


def overall(history: History, today: date) -> Deadline | None:
    """Resolve or refer to the President within 90 days, paused days excluded (750.4(a)(1))."""
    registered = entered(history, S.REGISTERED)
    if registered is None or entered(history, _ESCALATED - {S.PRESIDENT}) is not None:
        return None
    resolved = entered(history, _RESOLVED, registered)
    pause = paused_days(history, resolved or today)
    return Deadline("overall", registered + timedelta(days=90 + pause), "15 CFR 750.4(a)(1)",
                    "overall: 90 days from registration, paused days excluded", resolved)


def intent_to_deny_notice(history: History, today: date) -> Deadline | None:
    """Written notice of intent to deny within 5 days of the decision (750.6(a))."""
    decided = entered(history, S.INTENT_TO_DENY)
    if decided is None:
        return None
    return Deadline("intent_to_deny_notice", decided + timedelta(days=5), "15 CFR 750.6(a)",
                    "intent-to-deny notice: 5 days from the decision", entered(history, S.RESPONSE_WINDOW, decided))


def applicant_response(history: History, today: date) -> Deadline | None:
    """The applicant answers an intent-to-deny notice within 20 days (750.6(a))."""
    noticed = entered(history, S.RESPONSE_WINDOW)
    if noticed is None:
        return None
    answered = entered(history, frozenset({S.APPROVED, S.DENIED}), noticed)
    return Deadline("applicant_response", noticed + timedelta(days=20), "15 CFR 750.6(a)",
                    "applicant response to intent to deny: 20 days from notice", answered)


def denial_final(history: History, today: date) -> Deadline | None:
    """Unless told otherwise, the denial becomes final 45 days after the notice (750.6(b))."""
    noticed = entered(history, S.RESPONSE_WINDOW)
    if noticed is None:
        return None
    return Deadline("denial_final", noticed + timedelta(days=45), "15 CFR 750.6(b)",
                    "denial final automatically 45 days after notice",
                    entered(history, frozenset({S.APPROVED, S.DENIED}), noticed))


def appeal(history: History, today: date) -> Deadline | None:
    """An appeal of a final denial is filed within 45 days (part 756, 750.6(b))."""
    denied = entered(history, S.DENIED)
    if denied is None:
        return None
    return Deadline("appeal", denied + timedelta(days=45), "15 CFR 750.6(b); part 756",
                    "appeal: 45 days from final denial", entered(history, S.APPEAL_PENDING, denied))


RULES: tuple[Callable[[History, date], Deadline | None], ...] = (
    initial_action, agency_recommendation, overall, intent_to_deny_notice, applicant_response, denial_final, appeal,
)


def deadlines(history: History, today: date) -> list[Deadline]:
    """Every deadline that applies to the application so far."""
    return [deadline for rule in RULES if (deadline := rule(history, today)) is not None]


def overdue(history: History, today: date) -> list[Deadline]:
    """The deadlines that have passed unmet."""
    return [deadline for deadline in deadlines(history, today) if deadline.overdue(today)]


def effective_state(history: History, today: date) -> State:
    """The current state, counting an intent to deny as a final denial once day 45 after notice passes."""
    state = history[-1][0]
    final = denial_final(history, today)
    if state is S.RESPONSE_WINDOW and final is not None and today > final.due:
        return S.DENIED
    return state
