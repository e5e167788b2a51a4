"""Review-policy strings of the 2022 Entity List read into structured policies (docs/regulations.md, "Entity List")."""

from __future__ import annotations

from datetime import date

import pytest

from exportguard.rules import policy
from exportguard.rules.data import load
from exportguard.rules.model import Policy
from exportguard.rules.transaction import Item

XINJIANG = (
    "Case-by-case review for ECCNs 1A004.c, 1A004.d, 1A995, 1A999.a, 1D003, 2A983, 2D983, and 2E983, and for EAR99 "
    "items described in the Note to ECCN 1A995; case-by-case review for items necessary to detect, identify and treat "
    "infectious disease; and presumption of denial for all other items subject to the EAR."
)
CLAUSES = load().dated["policy_clauses"]
AFTER_CLAUSE = date(2020, 9, 1)


@pytest.mark.parametrize(
    ("text", "eccn", "tags", "expected", "complete"),
    [
        ("Presumption of denial.", "EAR99", (), Policy.PRESUMPTION_OF_DENIAL, True),
        ("Presumption of Denial", "5A002", (), Policy.PRESUMPTION_OF_DENIAL, True),
        ("Policy of denial. See §§ 746.8(b) and 744.21(e).", "EAR99", (), Policy.POLICY_OF_DENIAL, True),
        ("See §746.5(b) of the EAR.", "EAR99", (), Policy.SEE_SECTION, True),
        ("Case-by-case basis.", "3A991", (), Policy.CASE_BY_CASE, True),
        (
            "Case-by-case for all items listed on the CCL. Presumption of approval for EAR99 items",
            "EAR99",
            (),
            Policy.PRESUMPTION_OF_APPROVAL,
            True,
        ),
        (
            "Case-by-case for all items listed on the CCL. Presumption of approval for EAR99 items",
            "3A991",
            (),
            Policy.CASE_BY_CASE,
            True,
        ),
        (XINJIANG, "1A995", (), Policy.CASE_BY_CASE, True),
        (XINJIANG, "1A004.c.1", (), Policy.CASE_BY_CASE, True),
        (XINJIANG, "1A004.a", (), Policy.PRESUMPTION_OF_DENIAL, True),
        (XINJIANG, "EAR99", (), Policy.PRESUMPTION_OF_DENIAL, True),
        (XINJIANG, "EAR99", ("1a995-note",), Policy.CASE_BY_CASE, True),
        (XINJIANG, "EAR99", ("infectious-disease",), Policy.CASE_BY_CASE, True),
        (
            "Policy of denial; Case-by-case basis for U.S. Government supported space programs.",
            "EAR99",
            (),
            Policy.POLICY_OF_DENIAL,
            False,
        ),
    ],
)
def test_policy_strings(text: str, eccn: str, tags: tuple[str, ...], expected: Policy, complete: bool) -> None:
    structured = policy.parse(text, AFTER_CLAUSE, CLAUSES)
    assert policy.apply(structured, Item(eccn=eccn, tags=tags)).policy is expected
    assert structured.complete is complete


def test_infectious_disease_clause_is_dated() -> None:
    before = policy.parse(XINJIANG, date(2019, 10, 15), CLAUSES)
    tagged = Item(eccn="EAR99", tags=("infectious-disease",))
    assert policy.apply(before, tagged).policy is Policy.PRESUMPTION_OF_DENIAL
    assert [c["rule"] for c in policy.clause_in_text_not_in_force(XINJIANG, date(2019, 10, 15), CLAUSES)] == [
        "85 FR 44159"
    ]
