"""A proposed export as plain dataclasses, read from YAML/JSON with errors that name the bad field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date
from typing import Any

ECCN_PATTERN = re.compile(r"^(EAR99|\d[A-E]\d{3}(\.[a-z0-9]+)*)$")
COUNTRY_PATTERN = re.compile(r"^[A-Z]{2}$")
TRANSACTION_TYPES = ("export", "reexport", "transfer")
#: Roles a listed entity must hold for the Entity List requirement to attach (15 CFR 748.5(c)-(f)).
LICENSING_ROLES = ("purchaser", "intermediate_consignee", "ultimate_consignee", "end_user")
ROLES = (*LICENSING_ROLES, "forwarder", "exporter", "financier", "other")
ITEM_TYPES = ("commodity", "software", "technology")
ACTIVITIES = (
    "network_maintenance", "device_support", "cybersecurity_research", "standards_development",
    "new_network", "other",
)  # fmt: skip
DEVICE_KINDS = ("handset", "consumer_device", "cpe")
#: What the exporter knows about the end use (part 744 end-use controls). ``huawei_incorporation``: the item
#: will be incorporated into, or used to produce or develop, an item produced, purchased or ordered by a
#: footnote-1 (Huawei) entity (the 2020-08-17 Huawei foreign direct product rule, 85 FR 51596).
KNOWLEDGE = ("military_end_use", "nuclear_end_use", "missile_end_use", "cbw_end_use", "huawei_incorporation")
CERTIFICATION_SOURCES = ("exporter_statement", "huawei_entity")
MAX_PARTIES = 50
MAX_ITEMS = 200
#: Longer names are not party names; screening refuses them too (``matching.screener.MAX_NAME_LENGTH``).
MAX_PARTY_NAME = 500


class TransactionError(ValueError):
    """A transaction that cannot be evaluated as given; the message names the field."""


@dataclass(frozen=True)
class TxParty:
    """A party to the transaction and its role (15 CFR 748.5). ``military_end_user``: the exporter knows the
    party is a 'military end user' (744.21(g)); ``owned_by_listed``: parties on the Entity List or MEU List own
    50% or more of it, alone or together (the 2025 affiliates rule, 90 FR 47201). ``None`` means not stated."""

    name: str
    role: str
    country: str | None = None
    address: str | None = None
    military_end_user: bool | None = None
    owned_by_listed: bool | None = None


@dataclass(frozen=True)
class Item:
    """One line of the shipment. ``us_content_pct`` is the controlled U.S. content of a foreign-made item.

    Foreign direct product facts (``None`` = not stated): ``direct_product_of`` lists the ECCNs of U.S.
    technology or software the foreign-made item is a direct product of; ``plant_direct_product_of`` those of
    which the plant (or major component of it) that produced the item is a direct product;
    ``huawei_technology``: the item was produced from technology or software produced or developed by a
    footnote-1 (Huawei) entity; ``production_started``: when production of the item began (the May 2020
    wind-down)."""

    eccn: str
    description: str = ""
    quantity: float = 1
    value: float = 0
    item_type: str = "commodity"
    foreign_made: bool = False
    us_content_pct: float | None = None
    tags: tuple[str, ...] = ()
    direct_product_of: tuple[str, ...] | None = None
    plant_direct_product_of: tuple[str, ...] | None = None
    huawei_technology: bool | None = None
    production_started: date | None = None

    @property
    def label(self) -> str:
        return f"{self.eccn} {self.description}".strip()


@dataclass(frozen=True)
class EndUse:
    """What the items will be used for, with the facts the TGL conditions turn on."""

    activity: str = "other"
    description: str = ""
    contract_date: date | None = None
    product_available_date: date | None = None
    device_kind: str | None = None
    network_operational: bool | None = None
    serves_third_party_customers: bool | None = None
    enhances_capability: bool | None = None


@dataclass(frozen=True)
class Certification:
    """A TGL certification kept on file: who made it and the document id."""

    source: str
    document_id: str = ""


@dataclass(frozen=True)
class Evidence:
    """Documents and facts on file that authorizations depend on."""

    tgl_certification: Certification | None = None
    en_route_since: date | None = None
    license_exception: str | None = None


@dataclass(frozen=True)
class Transaction:
    """A proposed export (from the United States), reexport (from one foreign country to another) or
    in-country transfer (within the destination). ``item_location`` is where the items are before the movement:
    ``US`` for an export, the destination for a transfer, a foreign country (or unknown) for a reexport."""

    type: str
    date: date
    destination: str
    parties: tuple[TxParty, ...]
    items: tuple[Item, ...]
    end_use: EndUse = field(default_factory=EndUse)
    evidence: Evidence = field(default_factory=Evidence)
    knowledge: tuple[str, ...] = ()
    red_flags: tuple[str, ...] = ()
    reference: str = ""
    item_location: str | None = None

    @property
    def items_abroad(self) -> bool:
        """The items are outside the United States (a reexport or an in-country transfer abroad)."""
        return self.type != "export"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Transaction:
        """Build and validate a transaction from parsed YAML/JSON."""
        return _transaction(_mapping(data, "transaction"))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form that :meth:`from_dict` reads back to an equal transaction."""
        return _jsonable(self)


def _transaction(data: Mapping[str, Any]) -> Transaction:
    parties = _list(data, "parties", MAX_PARTIES)
    items = _list(data, "items", MAX_ITEMS)
    if not items:
        raise TransactionError("items: at least one item is required")
    kind = _choice(data.get("type", "export"), TRANSACTION_TYPES, "type")
    destination: str = _country(data.get("destination"), "destination", required=True)  # type: ignore[assignment]
    return Transaction(
        type=kind,
        date=_date(data.get("date"), "date", required=True),  # type: ignore[arg-type]
        destination=destination,
        item_location=_location(kind, destination, _country(data.get("item_location"), "item_location")),
        parties=tuple(_party(_mapping(p, f"parties[{i}]"), f"parties[{i}]") for i, p in enumerate(parties)),
        items=tuple(_item(_mapping(it, f"items[{i}]"), f"items[{i}]") for i, it in enumerate(items)),
        end_use=_end_use(_mapping(data.get("end_use") or {}, "end_use")),
        evidence=_evidence(_mapping(data.get("evidence") or {}, "evidence")),
        knowledge=tuple(_choice(k, KNOWLEDGE, "knowledge") for k in _strings(data.get("knowledge"), "knowledge")),
        red_flags=_strings(data.get("red_flags"), "red_flags"),
        reference=str(data.get("reference") or ""),
    )


def _location(kind: str, destination: str, location: str | None) -> str | None:
    """Where the items are: an export leaves the United States, a transfer stays in the destination."""
    expected = {"export": "US", "transfer": destination}.get(kind)
    if expected is not None and location not in (None, expected):
        raise TransactionError(f"item_location: an {kind} moves items located in {expected}, not {location}")
    if kind == "reexport" and location in ("US", destination):
        raise TransactionError(f"item_location: a reexport moves items located abroad, outside {destination}")
    return expected or location


def _party(data: Mapping[str, Any], where: str) -> TxParty:
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise TransactionError(f"{where}.name: a non-empty party name is required")
    if len(name.strip()) > MAX_PARTY_NAME:
        raise TransactionError(f"{where}.name: at most {MAX_PARTY_NAME} characters, got {len(name.strip())}")
    return TxParty(
        name=name.strip(),
        role=_choice(data.get("role"), ROLES, f"{where}.role"),
        country=_country(data.get("country"), f"{where}.country"),
        address=str(data["address"]) if data.get("address") else None,
        military_end_user=_flag(data, "military_end_user", where),
        owned_by_listed=_flag(data, "owned_by_listed", where),
    )


def _item(data: Mapping[str, Any], where: str) -> Item:
    eccn = str(data.get("eccn") or "").strip()
    eccn = "EAR99" if eccn.upper() == "EAR99" else eccn.upper()[:5] + eccn[5:].lower()
    if not ECCN_PATTERN.match(eccn):
        raise TransactionError(f"{where}.eccn: {data.get('eccn')!r} is not an ECCN such as 5A002.a.1 or EAR99")
    pct = data.get("us_content_pct")
    return Item(
        eccn=eccn,
        description=str(data.get("description") or ""),
        quantity=_number(data.get("quantity", 1), f"{where}.quantity"),
        value=_number(data.get("value", 0), f"{where}.value"),
        item_type=_choice(data.get("item_type", "commodity"), ITEM_TYPES, f"{where}.item_type"),
        foreign_made=bool(data.get("foreign_made", False)),
        us_content_pct=None if pct is None else _number(pct, f"{where}.us_content_pct", upper=100),
        tags=_strings(data.get("tags"), f"{where}.tags"),
        direct_product_of=_eccns(data.get("direct_product_of"), f"{where}.direct_product_of"),
        plant_direct_product_of=_eccns(data.get("plant_direct_product_of"), f"{where}.plant_direct_product_of"),
        huawei_technology=_flag(data, "huawei_technology", where),
        production_started=_date(data.get("production_started"), f"{where}.production_started"),
    )


def _eccns(value: Any, where: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    listed = tuple(entry.strip().upper() for entry in _strings(value, where))
    for eccn in listed:
        if not ECCN_PATTERN.match(eccn[:5]):
            raise TransactionError(f"{where}: {eccn!r} is not an ECCN such as 3E001")
    return listed


def _end_use(data: Mapping[str, Any]) -> EndUse:
    kind = data.get("device_kind")
    return EndUse(
        activity=_choice(data.get("activity", "other"), ACTIVITIES, "end_use.activity"),
        description=str(data.get("description") or ""),
        contract_date=_date(data.get("contract_date"), "end_use.contract_date"),
        product_available_date=_date(data.get("product_available_date"), "end_use.product_available_date"),
        device_kind=None if kind is None else _choice(kind, DEVICE_KINDS, "end_use.device_kind"),
        network_operational=_flag(data, "network_operational", "end_use"),
        serves_third_party_customers=_flag(data, "serves_third_party_customers", "end_use"),
        enhances_capability=_flag(data, "enhances_capability", "end_use"),
    )


def _evidence(data: Mapping[str, Any]) -> Evidence:
    raw = data.get("tgl_certification")
    certification = None
    if raw is not None:
        cert = _mapping(raw, "evidence.tgl_certification")
        source = _choice(cert.get("source"), CERTIFICATION_SOURCES, "evidence.tgl_certification.source")
        certification = Certification(source, str(cert.get("document_id") or ""))
    exception = data.get("license_exception")
    return Evidence(
        tgl_certification=certification,
        en_route_since=_date(data.get("en_route_since"), "evidence.en_route_since"),
        license_exception=str(exception).upper() if exception else None,
    )


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TransactionError(f"{where}: expected a mapping of fields, got {type(value).__name__}")
    return value


def _list(data: Mapping[str, Any], key: str, limit: int) -> list[Any]:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise TransactionError(f"{key}: expected a list")
    if len(value) > limit:
        raise TransactionError(f"{key}: at most {limit} entries are accepted, got {len(value)}")
    return value


def _choice(value: Any, allowed: tuple[str, ...], where: str) -> str:
    if value not in allowed:
        raise TransactionError(f"{where}: {value!r} is not one of {', '.join(allowed)}")
    return str(value)


def _date(value: Any, where: str, required: bool = False) -> date | None:
    if value is None or value == "":
        if required:
            raise TransactionError(f"{where}: an ISO date such as 2019-11-10 is required")
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise TransactionError(f"{where}: {value!r} is not an ISO date such as 2019-11-10") from exc


def _country(value: Any, where: str, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise TransactionError(f"{where}: an ISO 3166 alpha-2 country code such as CN is required")
        return None
    code = str(value).strip().upper()
    if not COUNTRY_PATTERN.match(code):
        raise TransactionError(f"{where}: {value!r} is not an ISO 3166 alpha-2 country code such as CN")
    return code


def _number(value: Any, where: str, upper: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TransactionError(f"{where}: expected a number, got {value!r}")
    if value < 0 or (upper is not None and value > upper):
        bound = f"between 0 and {upper:g}" if upper is not None else "zero or more"
        raise TransactionError(f"{where}: must be {bound}, got {value!r}")
    return float(value)


def _flag(data: Mapping[str, Any], key: str, where: str) -> bool | None:
    value = data.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise TransactionError(f"{where}.{key}: expected true or false, got {value!r}")


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(entry, str) for entry in value):
        raise TransactionError(f"{where}: expected a list of strings")
    return tuple(value)


def _jsonable(value: Any) -> Any:
    """Dataclasses to dicts, tuples to lists, dates to ISO strings (no deep copies: values are immutable)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {key: _jsonable(entry) for key, entry in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(entry) for entry in value]
    if isinstance(value, date):
        return value.isoformat()
    return value
