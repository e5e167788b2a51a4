"""What a determination says: a status, the findings behind it, and the versions it was made from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """Outcome of a determination, most severe first (docs/determination.md, "What it decides")."""

    PROHIBITED = "PROHIBITED"
    INDETERMINATE = "INDETERMINATE"
    LICENSE_REQUIRED = "LICENSE_REQUIRED"
    AUTHORIZED_GENERAL = "AUTHORIZED_GENERAL"
    LICENSE_EXCEPTION = "LICENSE_EXCEPTION"
    NLR = "NLR"
    NOT_SUBJECT = "NOT_SUBJECT"


#: How restrictive each status is; an unresolved question outranks any answer short of a prohibition.
RESTRICTIVENESS = {status: rank for rank, status in enumerate(reversed(list(Status)))}


class Kind(StrEnum):
    """What a finding contributes to the status. New kinds (e.g. a foreign counter-measure) add a member
    here and say in :func:`exportguard.rules.engine.aggregate` what they weigh."""

    PROHIBITION = "prohibition"
    UNRESOLVED = "unresolved"
    REQUIREMENT = "requirement"
    AUTHORIZATION = "authorization"
    EXCEPTION = "exception"
    NOT_SUBJECT = "not_subject"
    FLAG = "flag"
    CLEAR = "clear"
    #: A party on a Chinese counter-list: reported with the announcement, never part of the US status.
    COUNTER_MEASURE = "counter_measure"


class Policy(StrEnum):
    """License review policies of Supp. No. 4 to part 744 and part 742; denial policies are kept distinct."""

    POLICY_OF_DENIAL = "POLICY_OF_DENIAL"
    PRESUMPTION_OF_DENIAL = "PRESUMPTION_OF_DENIAL"
    CASE_BY_CASE = "CASE_BY_CASE"
    SEE_SECTION = "SEE_SECTION"
    PRESUMPTION_OF_APPROVAL = "PRESUMPTION_OF_APPROVAL"


POLICY_RANK = {
    Policy.POLICY_OF_DENIAL: 4,
    Policy.PRESUMPTION_OF_DENIAL: 3,
    Policy.CASE_BY_CASE: 2,
    Policy.SEE_SECTION: 2,
    Policy.PRESUMPTION_OF_APPROVAL: 1,
}


@dataclass(frozen=True)
class PolicyOverride:
    """A narrower policy for certain items: ECCNs, or a tag such as ``1a995-note`` on the item."""

    policy: Policy
    eccns: tuple[str, ...] = ()
    tag: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"policy": self.policy.value, "eccns": list(self.eccns), "tag": self.tag}


@dataclass(frozen=True)
class ReviewPolicy:
    """A structured review policy: a default, per-item overrides, sections it refers to, its source text."""

    default: Policy
    overrides: tuple[PolicyOverride, ...] = ()
    refers_to: tuple[str, ...] = ()
    text: str = ""
    complete: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "default": self.default.value,
            "overrides": [override.to_dict() for override in self.overrides],
            "refers_to": list(self.refers_to),
            "text": self.text,
            "complete": self.complete,
        }


@dataclass(frozen=True)
class Finding:
    """One conclusion of one check. ``rule``, ``citation`` and ``explanation`` come from the check itself."""

    kind: Kind
    reason: str
    id: str = ""
    rule: str = ""
    citation: str = ""
    explanation: str = ""
    item: str | None = None
    item_index: int | None = None
    party: str | None = None
    entry: str | None = None
    review_policy: ReviewPolicy | None = None
    applied_policy: Policy | None = None
    license_exceptions_allowed: bool = True
    lifts: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    window: tuple[date, date] | None = None
    uncertain: bool = False
    uncertain_reason: str = ""
    #: For an unresolved finding: its answer could only add a license requirement (never a prohibition and
    #: never lift or remove one), so it cannot change an answer an open requirement already decides.
    only_adds_requirements: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "rule": self.rule,
            "kind": self.kind.value,
            "citation": self.citation,
            "explanation": self.explanation,
            "reason": self.reason,
            "item": self.item,
            "item_index": self.item_index,
            "party": self.party,
            "entry": self.entry,
            "review_policy": self.review_policy.to_dict() if self.review_policy else None,
            "applied_policy": self.applied_policy.value if self.applied_policy else None,
            "license_exceptions_allowed": self.license_exceptions_allowed,
            "lifts": list(self.lifts),
            "sources": list(self.sources),
            "window": [day.isoformat() for day in self.window] if self.window else None,
            "uncertain": self.uncertain,
            "uncertain_reason": self.uncertain_reason,
            "only_adds_requirements": self.only_adds_requirements,
        }


@dataclass(frozen=True)
class Determination:
    """The answer for one transaction as of one date, with everything needed to replay it."""

    status: Status
    as_of: date
    findings: tuple[Finding, ...]
    review_policy: Policy | None
    inputs: dict[str, Any]
    list_versions: tuple[str, ...]
    rule_versions: dict[str, str] = field(default_factory=dict)
    engine_version: str = ""
    #: Each list's as-of date and the stale-list warnings, as checked when the determination was made.
    list_freshness: dict[str, Any] = field(default_factory=dict)

    @property
    def open_requirements(self) -> tuple[Finding, ...]:
        """Requirements that no authorization or exception lifted."""
        lifted = {finding_id for finding in self.findings for finding_id in finding.lifts}
        return tuple(f for f in self.findings if f.kind is Kind.REQUIREMENT and f.id not in lifted)

    @property
    def tgl_windows(self) -> tuple[tuple[date, date], ...]:
        """Validity windows of the general authorizations that applied."""
        return tuple(f.window for f in self.findings if f.window is not None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "as_of": self.as_of.isoformat(),
            "review_policy": self.review_policy.value if self.review_policy else None,
            "findings": [finding.to_dict() for finding in self.findings],
            "inputs": self.inputs,
            "list_versions": list(self.list_versions),
            "rule_versions": dict(self.rule_versions),
            "engine_version": self.engine_version,
            "list_freshness": self.list_freshness,
        }
