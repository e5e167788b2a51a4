"""Entity List review policies: free text from Supp. No. 4 to part 744 read into a structure, evaluated
per item and as of a date (clauses added by later rules are dropped before their effective date)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from exportguard.rules.model import Policy, PolicyOverride, ReviewPolicy
from exportguard.rules.transaction import Item

_ECCN = re.compile(r"\b\d[A-E]\d{3}(?:\.[a-z0-9]+)*")
_SECTION = re.compile(r"§+\s*([\d.]+(?:\([a-z0-9]+\))*)")
_DEFAULTS = (
    ("policy of denial", Policy.POLICY_OF_DENIAL),
    ("presumption of denial", Policy.PRESUMPTION_OF_DENIAL),
    ("presumption of approval", Policy.PRESUMPTION_OF_APPROVAL),
    ("case-by-case", Policy.CASE_BY_CASE),
)
_SIMPLE = re.compile(
    r"^(presumption of denial|policy of denial|case-by-case(?: basis)?|presumption of approval for ear99(?: items)?)"
    r"\.?(?: see .*)?$"
)
_EAR99_APPROVAL = "presumption of approval for ear99"
#: Tag an item carries when it is EAR99 protective gear described in the Note to ECCN 1A995.
NOTE_TO_1A995 = "1a995-note"
#: Tag an item carries when it is uniquely required for producing semiconductors at advanced technology
#: nodes (10 nm and below, EUV): the SMIC entries' presumption of denial (85 FR 83416).
ADVANCED_NODE = "advanced-node"
_ADVANCED_NODE_CLAUSE = "presumption of denial for items uniquely required for production of semiconductors"


@dataclass(frozen=True)
class AppliedPolicy:
    """The policy an application for one item would be reviewed under, and why."""

    policy: Policy
    because: str


def parse(text: str, as_of: date, clauses: dict[str, Any]) -> ReviewPolicy:
    """Structure a review-policy string, leaving out clauses not yet in force on ``as_of``."""
    lowered = _normalised(text)
    overrides = (
        _case_by_case_overrides(text) + _ear99_approval(lowered) + _dated_clauses(lowered, as_of, clauses)
        + _advanced_node(lowered)
    )  # fmt: skip
    return ReviewPolicy(
        default=_default(lowered, bool(overrides)),
        overrides=tuple(overrides),
        refers_to=tuple(_SECTION.findall(text)),
        text=text,
        complete=_recognised(lowered),
    )


def apply(policy: ReviewPolicy, item: Item) -> AppliedPolicy:
    """The override matching the item, else the default."""
    for override in policy.overrides:
        if _paragraph_matches(item.eccn, override):
            return AppliedPolicy(override.policy, f"{item.eccn} is named in the entry's {override.policy.value} list")
        if override.tag and override.tag in item.tags:
            return AppliedPolicy(override.policy, f"the item is tagged {override.tag!r}")
    return AppliedPolicy(policy.default, "the entry's policy for all other items")


def _default(lowered: str, has_overrides: bool) -> Policy:
    if has_overrides and "for all other items" in lowered:
        tail = lowered.rsplit(";", 1)[-1]
        return next((policy for phrase, policy in _DEFAULTS if phrase in tail), Policy.PRESUMPTION_OF_DENIAL)
    if _EAR99_APPROVAL in lowered:
        return Policy.CASE_BY_CASE if "case-by-case" in lowered else Policy.SEE_SECTION
    if lowered.startswith("see"):
        return Policy.SEE_SECTION
    return next((policy for phrase, policy in _DEFAULTS if phrase in lowered), Policy.SEE_SECTION)


def _normalised(text: str) -> str:
    """Lower case, single spaces, 'case by case' spelled as 'case-by-case', words the CSL broke rejoined."""
    lowered = " ".join(text.lower().split()).replace("case by case", "case-by-case")
    return lowered.replace("semiconducto rs", "semiconductors")


def _recognised(lowered: str) -> bool:
    """Whether the text is one of the known forms (docs/regulations.md, "Entity List"), so nothing in it was ignored."""
    xinjiang = "case-by-case review for" in lowered and "for all other items" in lowered
    if _ADVANCED_NODE_CLAUSE in lowered and lowered.endswith("case-by-case for all other items"):
        return True
    ccl_and_ear99 = _EAR99_APPROVAL in lowered and "case-by-case" in lowered and "ccl" in lowered
    return bool(_SIMPLE.match(lowered)) or lowered.startswith("see") or xinjiang or ccl_and_ear99


def _advanced_node(lowered: str) -> list[PolicyOverride]:
    if _ADVANCED_NODE_CLAUSE not in lowered:
        return []
    return [PolicyOverride(Policy.PRESUMPTION_OF_DENIAL, tag=ADVANCED_NODE)]


def _ear99_approval(lowered: str) -> list[PolicyOverride]:
    return [PolicyOverride(Policy.PRESUMPTION_OF_APPROVAL, eccns=("EAR99",))] if _EAR99_APPROVAL in lowered else []


def _case_by_case_overrides(text: str) -> list[PolicyOverride]:
    lowered = text.lower()
    if "case-by-case review for eccns" not in lowered:
        return []
    clause = text[lowered.index("case-by-case review for eccns") :].split(";", 1)[0]
    overrides = [PolicyOverride(Policy.CASE_BY_CASE, eccns=tuple(_ECCN.findall(clause)))]
    if "note to eccn 1a995" in clause.lower():
        overrides.append(PolicyOverride(Policy.CASE_BY_CASE, tag=NOTE_TO_1A995))
    return overrides


def _dated_clauses(lowered: str, as_of: date, clauses: dict[str, Any]) -> list[PolicyOverride]:
    return [
        PolicyOverride(Policy.CASE_BY_CASE, tag=clause["tag"])
        for clause in clauses.values()
        if clause["pattern"] in lowered and as_of >= clause["effective"]
    ]


def _paragraph_matches(eccn: str, override: PolicyOverride) -> bool:
    """``1A004.c`` in the list covers 1A004.c and its sub-paragraphs, and a bare 1A004 only if listed bare."""
    return any(eccn == listed or eccn.startswith(listed + ".") for listed in override.eccns)


def clause_in_text_not_in_force(text: str, as_of: date, clauses: dict[str, Any]) -> list[dict[str, Any]]:
    """Dated clauses present in the (later) list text but not yet in force on ``as_of``."""
    lowered = text.lower()
    return [clause for clause in clauses.values() if clause["pattern"] in lowered and as_of < clause["effective"]]
