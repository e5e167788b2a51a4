"""``/determinations``: the 2019 Huawei timeline through the API, stored with its versions and audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from licensing_support import Api

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# As an ERP would send it: JSON, dates as ISO strings.
HUAWEI_MEMORY = json.loads(json.dumps(yaml.safe_load((EXAMPLES / "huawei_memory_2019-11-10.yaml").read_text()), default=str))


@pytest.mark.parametrize(
    ("as_of", "status"),
    [("2019-11-10", "LICENSE_REQUIRED"), ("2019-05-01", "NLR")],  # Huawei listed 2019-05-16 (84 FR 22961)
)
def test_huawei_memory_modules_before_and_after_listing(api: Api, as_of: str, status: str) -> None:
    response = api.post("ann", "/determinations", {"transaction": HUAWEI_MEMORY, "as_of": as_of})
    assert response.status_code == 201, response.text
    assert response.json()["status"] == status


def test_determination_is_stored_with_inputs_and_versions(api: Api) -> None:
    made = api.post("ann", "/determinations", {"transaction": HUAWEI_MEMORY}).json()
    stored = api.get("rita", f"/determinations/{made['id']}").json()
    assert stored == made
    assert stored["inputs"]["reference"] == "PO-2019-1110-HW"
    assert stored["list_versions"]
    assert stored["rule_versions"]
    record = api.get("rita", f"/audit?subject=determination:{made['id']}").json()[0]
    assert (record["actor"], record["details"]["status"]) == ("ann", stored["status"])


@pytest.mark.parametrize("transaction", [{}, {"date": "2019-11-10", "items": []}, {"items": "memory"}])
def test_invalid_transaction_is_422_with_code(api: Api, transaction: dict[str, object]) -> None:
    response = api.post("ann", "/determinations", {"transaction": transaction})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_transaction"
