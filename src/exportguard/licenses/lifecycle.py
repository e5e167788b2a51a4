"""The BIS license-application state machine (15 CFR 748, 750.4, 750.6, part 756).

The transition table is the single authority on which state may follow which; anything
else is rejected naming the states that are allowed.
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    """Where an application stands, from drafting to a final outcome."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED_UNREGISTERED = "returned_unregistered"
    REGISTERED = "registered"
    INITIAL_REVIEW = "initial_review"
    INFO_REQUESTED = "info_requested"
    REFERRED = "referred"
    AGENCY_REVIEW = "agency_review"
    ESCALATED_OC = "escalated_oc"
    ESCALATED_ACEP = "escalated_acep"
    ESCALATED_EARB = "escalated_earb"
    PRESIDENT = "president"
    INTENT_TO_DENY = "intent_to_deny"
    RESPONSE_WINDOW = "response_window"
    APPROVED = "approved"
    DENIED = "denied"
    RETURNED_NLR = "returned_nlr"
    RETURNED_WITHOUT_ACTION = "returned_without_action"
    APPEAL_PENDING = "appeal_pending"
    APPEAL_GRANTED = "appeal_granted"
    APPEAL_DENIED = "appeal_denied"


S = State
_DECIDE = frozenset({S.APPROVED, S.INTENT_TO_DENY})

#: Spec section 8.5: the states that may follow each state.
TRANSITIONS: dict[State, frozenset[State]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.REGISTERED, S.RETURNED_UNREGISTERED}),
    S.REGISTERED: frozenset({S.INITIAL_REVIEW}),
    S.INITIAL_REVIEW: frozenset(
        {S.INFO_REQUESTED, S.RETURNED_NLR, S.RETURNED_WITHOUT_ACTION, S.REFERRED} | _DECIDE
    ),
    S.INFO_REQUESTED: frozenset({S.INITIAL_REVIEW}),
    S.REFERRED: frozenset({S.AGENCY_REVIEW}),
    S.AGENCY_REVIEW: _DECIDE | {S.ESCALATED_OC},
    S.ESCALATED_OC: _DECIDE | {S.ESCALATED_ACEP},
    S.ESCALATED_ACEP: _DECIDE | {S.ESCALATED_EARB},
    S.ESCALATED_EARB: _DECIDE | {S.PRESIDENT},
    S.PRESIDENT: _DECIDE,
    S.INTENT_TO_DENY: frozenset({S.RESPONSE_WINDOW}),
    S.RESPONSE_WINDOW: frozenset({S.APPROVED, S.DENIED}),
    S.DENIED: frozenset({S.APPEAL_PENDING}),
    S.APPEAL_PENDING: frozenset({S.APPEAL_GRANTED, S.APPEAL_DENIED}),
}

#: Outcomes a reviewer records; the application's drafter may not record them (four eyes).
DECISIONS = frozenset(
    {S.APPROVED, S.DENIED, S.INTENT_TO_DENY, S.RETURNED_NLR, S.RETURNED_WITHOUT_ACTION,
     S.APPEAL_GRANTED, S.APPEAL_DENIED}
)
#: States in which BIS's clock stops (750.4(b)(1), (c)(1)).
PAUSED = frozenset({S.INFO_REQUESTED})


class IllegalTransition(ValueError):
    """A requested state change that the lifecycle does not allow from the current state."""

    def __init__(self, current: State, target: State):
        self.current, self.target = current, target
        self.allowed = sorted(allowed_after(current))
        named = ", ".join(self.allowed) or "none (final state)"
        super().__init__(f"cannot move from {current} to {target}; allowed: {named}")


def allowed_after(current: State) -> frozenset[State]:
    """The states that may follow ``current``."""
    return TRANSITIONS.get(current, frozenset())


def is_final(state: State) -> bool:
    """True when no state may follow ``state``."""
    return not allowed_after(state)


def check_transition(current: State, target: State) -> None:
    """Raise :class:`IllegalTransition` unless ``target`` may follow ``current``."""
    if target not in allowed_after(current):
        raise IllegalTransition(current, target)
