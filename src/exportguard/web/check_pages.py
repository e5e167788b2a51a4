"""Check a transaction: a form for parties, items, destination and date; the determination with citations."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from sqlalchemy import select
from starlette.responses import Response

from exportguard.api.routes.determinations import store_determination
from exportguard.rules import Determination, TransactionError, determine
from exportguard.rules.parties import ScreenerMatcher
from exportguard.rules.transaction import (
    ACTIVITIES,
    CERTIFICATION_SOURCES,
    DEVICE_KINDS,
    ITEM_TYPES,
    ROLES,
    TRANSACTION_TYPES,
)
from exportguard.store.tables import Determination as StoredDetermination
from exportguard.store.writes import write_transaction
from exportguard.web import exports, session
from exportguard.web.templating import PageError, render
from exportguard.web.timeline import tgl_timeline

router = APIRouter()

Line = Annotated[str, Form(max_length=200)]
Lines = Annotated[str, Form(max_length=20_000)]
Flag = Annotated[bool, Form()]
FORM_HELP: dict[str, Any] = {"roles": ROLES, "types": TRANSACTION_TYPES, "activities": ACTIVITIES,
                             "certification_sources": CERTIFICATION_SOURCES, "device_kinds": DEVICE_KINDS,
                             "item_types": ITEM_TYPES}
#: Every field of a new form, so a template never falls back to an attribute of the dict (``form.items``).
BLANK_FORM: dict[str, Any] = {"type": "export", "day": "", "destination": "", "parties": "", "items": "",
                              "reference": "", "activity": "other", "contract_date": "", "device_kind": "",
                              "product_available_date": "", "certification_source": "", "certification_id": "",
                              **dict.fromkeys(("network_operational", "serves_third_party_customers",
                                               "enhances_capability"), False)}
END_USE_FLAGS = ("network_operational", "serves_third_party_customers", "enhances_capability")


@router.get("/check")
def check_form(request: Request) -> Response:
    user = session.require(request, "analyst", "reviewer")
    return render(request, "check.html", user, form=dict(BLANK_FORM), **FORM_HELP)


@router.post("/check")
def check(request: Request, csrf: Line, type: Line, day: Line, destination: Line, parties: Lines, items: Lines,
          reference: Line = "", activity: Line = "other", contract_date: Line = "", device_kind: Line = "",
          product_available_date: Line = "", certification_source: Line = "",
          certification_id: Line = "", network_operational: Flag = False, serves_third_party_customers: Flag = False,
          enhances_capability: Flag = False) -> Response:
    """Decide the transaction, record the determination (audited) and show each finding."""
    user = session.require(request, "analyst", "reviewer")
    session.check_csrf(user, csrf)
    form = {"type": type, "day": day, "destination": destination, "parties": parties, "items": items,
            "reference": reference, "activity": activity, "contract_date": contract_date,
            "device_kind": device_kind, "product_available_date": product_available_date,
            "certification_source": certification_source, "certification_id": certification_id,
            "network_operational": network_operational, "enhances_capability": enhances_capability,
            "serves_third_party_customers": serves_third_party_customers}
    try:
        result = determine(_transaction(form), matcher=ScreenerMatcher(request.app.state.lists.screener()))
    except (TransactionError, ValueError) as error:
        return render(request, "check.html", user, status=422, form=form, error=str(error), **FORM_HELP)
    with write_transaction(request.app.state.sessions) as db:
        stored_id = store_determination(db, result, user.name).id
    return render(request, "check.html", user, form=form, result=result, stored_id=stored_id,
                  timelines=_timelines(result),
                  lifted_by=lifted_labels([f.to_dict() for f in result.findings]), **FORM_HELP)


Format = Annotated[str, Query(pattern="^(html|csv)$")]
LISTED = 200
DETERMINATION_COLUMNS = ("id", "created_at", "created_by", "as_of", "status", "reference", "destination", "parties",
                         "items", "list_versions")
FINDING_COLUMNS = ("id", "rule", "kind", "lifted_by", "citation", "reason", "item", "party", "entry",
                   "applied_policy", "sources", "uncertain_reason")


@router.get("/determinations")
def determinations(request: Request, format: Format = "html") -> Response:
    """The latest recorded determinations (from the console and the API), newest first; CSV on request."""
    user = session.require(request)
    with request.app.state.sessions() as db:
        found = list(db.scalars(select(StoredDetermination).order_by(StoredDetermination.id.desc()).limit(LISTED)))
        rows = [_summary(stored) for stored in found]
    if format == "csv":
        return exports.csv_response("determinations.csv", DETERMINATION_COLUMNS, rows)
    return render(request, "determinations.html", user, rows=rows)


@router.get("/determinations/{determination_id}")
def determination_record(request: Request, determination_id: int, format: Format = "html") -> Response:
    """One determination as made: inputs, status, every finding; printable, and its findings as CSV."""
    user = session.require(request)
    with request.app.state.sessions() as db:
        stored = db.get(StoredDetermination, determination_id)
        if stored is None:
            raise PageError(404, "No such determination", f"There is no determination {determination_id}.",
                            "/console/determinations", "Recorded determinations")
        summary, outputs = _summary(stored), stored.outputs
    lifted = lifted_labels(outputs["findings"])
    if format == "csv":
        rows = [{**f, "lifted_by": lifted.get(f["id"], "")} for f in outputs["findings"]]
        return exports.csv_response(f"determination-{determination_id}.csv", FINDING_COLUMNS, rows)
    return render(request, "determination.html", user, record=summary, outputs=outputs, lifted_by=lifted)


def _summary(stored: StoredDetermination) -> dict[str, Any]:
    inputs = stored.inputs
    return {"id": stored.id, "created_at": stored.created_at.strftime("%Y-%m-%d %H:%M"), "created_by": stored.created_by,
            "as_of": stored.as_of, "status": stored.status, "reference": inputs.get("reference", ""),
            "destination": inputs.get("destination", ""),
            "parties": "; ".join(f"{p.get('name')} ({p.get('role')})" for p in inputs.get("parties", [])),
            "items": "; ".join(f"{i.get('eccn')} {i.get('description', '')}".strip() for i in inputs.get("items", [])),
            "list_versions": ", ".join(stored.list_versions)}


def _transaction(form: dict[str, Any]) -> dict[str, Any]:
    """The rules engine's transaction dict from the form's fields; one party or item per line, ``;``-separated."""
    return {"type": form["type"], "date": date.fromisoformat(form["day"]), "reference": form["reference"],
            "destination": form["destination"].strip().upper(),
            "parties": [_party(cells) for cells in _rows(form["parties"])],
            "items": [_item(cells) for cells in _rows(form["items"])], "end_use": _end_use(form),
            "evidence": _evidence(form)}


def _end_use(form: dict[str, Any]) -> dict[str, Any]:
    """The facts TGL conditions turn on; the yes/no facts only count once an activity is chosen."""
    if form["activity"] == "other":
        return {}
    facts = {flag: form[flag] for flag in END_USE_FLAGS}
    dated = {key: form[key] for key in ("contract_date", "product_available_date", "device_kind") if form[key]}
    return {"activity": form["activity"], **facts, **dated}


def _evidence(form: dict[str, Any]) -> dict[str, Any]:
    if not form["certification_source"]:
        return {}
    return {"tgl_certification": {"source": form["certification_source"], "document_id": form["certification_id"]}}


def _rows(text: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.split(";")] for line in text.splitlines() if line.strip()]


def _party(cells: list[str]) -> dict[str, Any]:
    """``name; role; country`` (role defaults to end_user); a comma-separated line is split or refused."""
    if len(cells) == 1 and "," in cells[0]:
        cells = _comma_party(cells[0])
    name, role, country = [*cells, "", ""][:3]
    return {"name": name, "role": role or "end_user", **({"country": country.upper()} if country else {})}


def _comma_party(line: str) -> list[str]:
    """``name, role[, country]``: names hold commas ("Co., Ltd."), so only a known role at the end splits the line.

    A comma line whose tail is not a role is refused rather than screened as one long name: a name with the
    role and country glued on matches no listed entry, and the check would come back clear.
    """
    head, _, last = line.rpartition(",")
    if last.strip() in ROLES:
        return [head.strip(), last.strip()]
    name, _, role = head.rpartition(",")
    if role.strip() in ROLES and len(last.strip()) == 2:
        return [name.strip(), role.strip(), last.strip()]
    if len(last.strip()) == 2 and last.strip().isalpha():
        raise TransactionError(f"party line {line!r}: separate name, role and country with ';' "
                               f"(name; role; country), e.g. 'Example Co., Ltd.; end_user; CN'")
    return [line]


def _item(cells: list[str]) -> dict[str, Any]:
    """``ECCN; description; quantity; value[; item type]`` (quantity 1, value 0 and commodity by default)."""
    eccn, description, quantity, value, item_type = [*cells, "", "", "", ""][:5]
    return {"eccn": eccn.upper(), "description": description, "quantity": float(quantity or 1),
            "value": float(value or 0), "item_type": item_type or "commodity"}


def lifted_labels(findings: list[dict[str, Any]]) -> dict[str, str]:
    """Finding id -> what lifted it (``TGL-2 (F4)``, a license exception's rule), for the findings table."""
    lifted: dict[str, str] = {}
    for finding in findings:
        label = finding["reason"].split(" ", 1)[0] if finding["rule"] == "R8-TGL" else (finding["rule"] or finding["id"])
        lifted.update(dict.fromkeys(finding.get("lifts", []), f"{label} ({finding['id']})"))
    return lifted


def _timelines(result: Determination) -> list[dict[str, Any]]:
    return [tgl_timeline(start, end, result.as_of) for start, end in result.tgl_windows]
