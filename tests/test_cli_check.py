"""The check command: the shipped examples, --as-of, both formats, exit codes and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exportguard.cli.app import load_commands

runner = CliRunner()
app = load_commands()
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize(
    ("example", "as_of", "status", "exit_code"),
    [
        ("huawei_memory_2019-11-10.yaml", None, "LICENSE_REQUIRED", 1),
        ("huawei_memory_2019-11-10.yaml", "2019-05-01", "NLR", 0),
        ("hikvision_1a995_2019-10-15.yaml", None, "LICENSE_REQUIRED", 1),
        ("huawei_handset_patch_2019-06-01.yaml", None, "AUTHORIZED_GENERAL", 0),
        ("huawei_handset_patch_2019-06-01.yaml", "2020-09-01", "LICENSE_REQUIRED", 1),
        ("huawei_network_support_2019-09-10.yaml", None, "AUTHORIZED_GENERAL", 0),
    ],
)
def test_examples_as_json(example: str, as_of: str | None, status: str, exit_code: int) -> None:
    arguments = ["check", str(EXAMPLES / example), "--format", "json", *(["--as-of", as_of] if as_of else [])]
    result = runner.invoke(app, arguments)
    assert result.exit_code == exit_code, result.output
    record = json.loads(result.stdout)
    assert record["status"] == status
    assert all(finding["citation"] for finding in record["findings"])


def test_hikvision_json_has_per_item_policies() -> None:
    result = runner.invoke(app, ["check", str(EXAMPLES / "hikvision_1a995_2019-10-15.yaml"), "--format", "json"])
    policies = {
        f["item"].split()[0]: f["applied_policy"] for f in json.loads(result.stdout)["findings"] if f["rule"] == "R6-EL"
    }
    assert policies == {"1A995": "CASE_BY_CASE", "EAR99": "PRESUMPTION_OF_DENIAL"}


def test_table_shows_status_citation_and_tgl_window() -> None:
    result = runner.invoke(app, ["check", str(EXAMPLES / "huawei_handset_patch_2019-06-01.yaml")], terminal_width=200)
    assert "AUTHORIZED_GENERAL" in result.stdout
    assert "2019-05-20 through 2019-08-19" in result.stdout
    assert "84 FR 23468" in result.stdout


def test_invalid_shipment_names_the_field(tmp_path: Path) -> None:
    shipment = tmp_path / "bad.yaml"
    shipment.write_text("date: 2019-11-10\ndestination: CN\nitems:\n  - eccn: 5X99\n", encoding="utf-8")
    result = runner.invoke(app, ["check", str(shipment)])
    assert result.exit_code == 2
    assert "items[0].eccn" in result.stderr


def test_bad_as_of_and_unreadable_file(tmp_path: Path) -> None:
    assert (
        runner.invoke(
            app, ["check", str(EXAMPLES / "huawei_memory_2019-11-10.yaml"), "--as-of", "11/10/2019"]
        ).exit_code
        == 2
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text("- just\n- a list\n", encoding="utf-8")
    assert runner.invoke(app, ["check", str(broken)]).exit_code == 2


def test_record_appends_a_replayable_determination_to_the_audit_chain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from exportguard.rules import replay
    from exportguard.store.audit import AuditRecord, verify_chain
    from exportguard.store.base import make_engine, session_factory

    monkeypatch.setenv("EXPORTGUARD_DATABASE_URL", f"sqlite:///{tmp_path / 'audit.db'}")
    example = str(EXAMPLES / "huawei_memory_2019-11-10.yaml")
    for _ in range(2):
        assert runner.invoke(app, ["check", example, "--record", "--actor", "analyst@example.com"]).exit_code == 1
    with session_factory(make_engine())() as session:
        records = session.query(AuditRecord).order_by(AuditRecord.id).all()
        assert [r.subject for r in records] == ["PO-2019-1110-HW"] * 2
        assert records[0].actor == "analyst@example.com" and records[0].action == "determination"
        assert verify_chain(session).ok
        assert replay(records[0].details).to_dict() == records[0].details
