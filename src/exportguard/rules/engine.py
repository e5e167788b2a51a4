"""Run the ordered checks for a transaction as of a date and aggregate their findings into a status."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from exportguard.rules import checks_authorizations, checks_ccl, checks_counter_lists, checks_parties, checks_scope  # noqa: F401 (registers checks)
from exportguard.rules.data import RuleData, load
from exportguard.rules.model import POLICY_RANK, Determination, Finding, Kind, Policy, Status
from exportguard.rules.parties import PartyMatcher, default_matcher, match_parties
from exportguard.rules.registry import CHECKS, Check, Context
from exportguard.rules.transaction import Transaction, TransactionError

ENGINE_VERSION = "rules-2"


def determine(
    transaction: Transaction | Mapping[str, Any],
    as_of: date | str | None = None,
    *,
    matcher: PartyMatcher | None = None,
    data: RuleData | None = None,
) -> Determination:
    """Decide whether ``transaction`` needs a license as of ``as_of`` (default: the transaction date)."""
    if not isinstance(transaction, Transaction):
        transaction = Transaction.from_dict(transaction)
    day = _day(as_of) or transaction.date
    matcher = matcher or default_matcher()
    data = data or load()
    context = Context(
        transaction, day, data, match_parties(transaction.parties, matcher, data, day), matcher.lists_as_of
    )
    for registered in CHECKS:
        produced, start = registered.run(context), len(context.findings)
        context.findings.extend(_stamped(registered, finding, start + n) for n, finding in enumerate(produced))
    return Determination(
        status=aggregate(context.findings, len(transaction.items), len(context.not_subject)),
        as_of=day,
        findings=tuple(context.findings),
        review_policy=_overall_policy(context),
        inputs=transaction.to_dict(),
        list_versions=matcher.list_versions,
        list_freshness=matcher.freshness(),
        rule_versions=data.versions,
        engine_version=ENGINE_VERSION,
    )


def replay(record: Mapping[str, Any], *, matcher: PartyMatcher | None = None) -> Determination:
    """Recompute a determination from its recorded inputs and date."""
    return determine(Transaction.from_dict(record["inputs"]), record["as_of"], matcher=matcher)


def aggregate(findings: list[Finding], item_count: int, not_subject_count: int) -> Status:
    """The most severe status the findings support. An open question outranks every answer short of a
    prohibition, unless its answer could only add a requirement and one is already open: then the license
    is required whatever the answer (docs/determination.md, "What it decides")."""
    kinds = {finding.kind for finding in findings}
    if Kind.PROHIBITION in kinds:
        return Status.PROHIBITED
    lifted = {finding_id: f.kind for f in findings for finding_id in f.lifts}
    requirements = [f for f in findings if f.kind is Kind.REQUIREMENT]
    open_requirement = any(f.id not in lifted for f in requirements)
    unresolved = [f for f in findings if f.kind is Kind.UNRESOLVED]
    if unresolved and not (open_requirement and all(f.only_adds_requirements for f in unresolved)):
        return Status.INDETERMINATE
    if open_requirement:
        return Status.LICENSE_REQUIRED
    if Kind.AUTHORIZATION in lifted.values():
        return Status.AUTHORIZED_GENERAL
    if Kind.EXCEPTION in lifted.values():
        return Status.LICENSE_EXCEPTION
    return Status.NOT_SUBJECT if not_subject_count == item_count else Status.NLR


def _overall_policy(context: Context) -> Policy | None:
    """The most restrictive review policy among requirements still open (744.11(a): EL policy applies in addition)."""
    policies = [f.applied_policy for f in context.open_requirements() if f.applied_policy is not None]
    return max(policies, key=POLICY_RANK.__getitem__) if policies else None


def _stamped(registered: Check, finding: Finding, position: int) -> Finding:
    return replace(
        finding,
        id=f"F{position + 1}",
        rule=registered.rule,
        citation=registered.citation,
        explanation=registered.explanation,
    )


def _day(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise TransactionError(f"as_of: {value!r} is not an ISO date such as 2019-11-10") from exc
