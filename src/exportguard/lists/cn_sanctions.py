"""China's counter-lists: MOFCOM's Unreliable Entity List, the export control control list and watch list,
and the counter-measure lists of the Ministry of Foreign Affairs and the Taiwan Affairs Office.

The source is the hand-maintained OpenSanctions ``cn_sanctions.csv`` (one row per listing, English and
Chinese names, the announcing body, the date and the official announcement's address). Each listing goes
on a list of its own, coded ``CN-...``; the Chinese name is kept as an alias so a name written in either
script is screened against it. An entry counts from its announcement date (``start_date``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from exportguard.lists.csvsource import decode, dict_rows, read_bytes, sha256, split_list
from exportguard.lists.errors import ListFormatError
from exportguard.lists.model import ListSnapshot, ListVersion, Party

SOURCE = "cn"
REQUIRED_COLUMNS = ("Type", "Name", "Alias", "Chinese name", "Country", "Summary", "Body", "List", "Date",
                    "End date", "Source URL")


@dataclass(frozen=True)
class CounterList:
    """One of China's lists: its code, its name, and what a listing on it restricts (with the legal basis)."""

    code: str
    name: str
    restricts: str


UEL = CounterList(
    "CN-UEL", "Unreliable Entity List (China, Ministry of Commerce)",
    "Measures under the Provisions on the Unreliable Entity List (MOFCOM Order 2020 No. 4): restricting or "
    "prohibiting the entity's China-related import and export and its investment in China, barring entry of its "
    "staff and means of transport, revoking work and residence permits, fines; the announcement names which apply.",
)  # fmt: skip
EXPORT_CONTROL = CounterList(
    "CN-ECL", "Export control control list (China, Ministry of Commerce)",
    "Exports of dual-use items to the listed party are prohibited, and ongoing ones must stop (Export Control Law "
    "of the PRC, art. 18; Regulation on Export Control of Dual-Use Items, arts. 28-29).",
)  # fmt: skip
WATCH = CounterList(
    "CN-ECWL", "Export control watch list (China, Ministry of Commerce)",
    "Exports of dual-use items to the listed party need heightened end-user and end-use review: the exporter must "
    "submit a risk assessment and the party's undertakings with the licence application (Regulation on Export "
    "Control of Dual-Use Items, 2024).",
)  # fmt: skip
COUNTERMEASURES = CounterList(
    "CN-CM", "Counter-measure lists (China, Ministry of Foreign Affairs and State Council departments)",
    "Counter-measures under the Anti-Foreign Sanctions Law of the PRC (2021, art. 6): refusal of visas and entry, "
    "freezing of property in China, and prohibition of transactions and cooperation with organisations and "
    "individuals in China; the announcement names which apply.",
)  # fmt: skip
TAIWAN = CounterList(
    "CN-TAO", "Taiwan-related punishment lists (China, Taiwan Affairs Office of the State Council)",
    "Punishment of listed persons under the Taiwan Affairs Office's announcements: bans on entering the mainland, "
    "Hong Kong and Macao, and on their affiliated organisations' dealings with mainland parties.",
)  # fmt: skip
COUNTER_LISTS = (UEL, EXPORT_CONTROL, WATCH, COUNTERMEASURES, TAIWAN)
LIST_CODES = tuple(counter.code for counter in COUNTER_LISTS)
BY_CODE = {counter.code: counter for counter in COUNTER_LISTS}

#: The source's "List" column, mapped to the counter-list it belongs to; a value not here is refused.
_LIST_OF = {
    "UEL": UEL,
    "List of Export Controls": EXPORT_CONTROL,
    "Export Control Watch List": WATCH,
    "List of Targets of Countermeasures": COUNTERMEASURES,
    "AFSL": COUNTERMEASURES,
    "Decision on Countermeasures against U.S. military-industry enterprises and senior managers": COUNTERMEASURES,
    "Decision on Countermeasures against U.S. Military-industry Enterprises": COUNTERMEASURES,
    "": COUNTERMEASURES,
    'Diehard "Taiwan Independence" Separatists': TAIWAN,
    'Henchmen and Accomplices of "Taiwan Independence"': TAIWAN,
}


def load(path: str | Path) -> ListSnapshot:
    """Load ``cn_sanctions.csv``; a malformed file loads nothing."""
    path = Path(path)
    data = read_bytes(path)
    rows = dict_rows(decode(data, path.name), path.name, REQUIRED_COLUMNS)
    parties = _unique(tuple(_party(row, line, path.name) for line, row in rows))
    if not parties:
        raise ListFormatError(path.name, "file has a header but no entries")
    as_of = max((party.start_date for party in parties if party.start_date), default=None)
    return ListSnapshot(ListVersion(SOURCE, as_of, sha256(data), len(parties), path.name), parties)


def _announcement(row: dict[str, str]) -> str:
    """Who announced the listing, when, and where the official text is (kept as the entry's notice)."""
    body = row["Body"].strip() or "Chinese authorities"
    when = f" of {row['Date'].strip()}" if row["Date"].strip() else " (date not given)"
    where = f": {row['Source URL'].strip()}" if row["Source URL"].strip() else ""
    return f"{body} announcement{when} ({row['List'].strip() or 'counter-measure decision'}){where}"


def _party(row: dict[str, str], line: int, file: str) -> Party:
    name = " ".join(row["Name"].split())
    if not name:
        raise ListFormatError(file, "entry has no name", row=line, field="Name")
    counter = _LIST_OF.get(row["List"].strip())
    if counter is None:
        raise ListFormatError(file, f"unknown list {row['List']!r}", row=line, field="List")
    chinese = split_list(row["Chinese name"])
    aliases = tuple(dict.fromkeys((*split_list(row["Alias"]), *chinese)))
    return Party(
        list_code=counter.code,
        source_id=stable_id(counter.code, name),
        name=name,
        list_name=counter.name,
        entity_type=row["Type"].lower(),
        aliases=tuple(alias for alias in aliases if alias != name),
        addresses=split_list(row.get("Address", "")),
        countries=tuple(code.upper() for code in split_list(row["Country"]) if len(code) == 2),
        programs=(row["List"].strip() or "counter-measure decision",),
        federal_register_notice=_announcement(row),
        start_date=_date(row["Date"], file, line, "Date"),
        end_date=_date(row["End date"], file, line, "End date"),
        license_requirement=counter.restricts,
        remarks=" ".join(row.get("Summary", "").split()),
        source_url=row["Source URL"].strip(),
        raw=row,
    )


def stable_id(list_code: str, name: str) -> str:
    """The source has no entry numbers; the list and the name identify an entry across versions."""
    return hashlib.sha256(f"{list_code}|{name.casefold()}".encode()).hexdigest()[:16]


def _unique(parties: tuple[Party, ...]) -> tuple[Party, ...]:
    """A name listed again on the same list (a later announcement) stays one entry: it counts from its first
    listing, and every announcement is kept in its notice."""
    merged: dict[str, Party] = {}
    for party in parties:
        first = merged.get(party.source_id)
        if first is None:
            merged[party.source_id] = party
            continue
        dates = [day for day in (first.start_date, party.start_date) if day]
        merged[party.source_id] = replace(
            first, aliases=tuple(dict.fromkeys((*first.aliases, *party.aliases))),
            programs=tuple(dict.fromkeys((*first.programs, *party.programs))),
            federal_register_notice=f"{first.federal_register_notice}; {party.federal_register_notice}",
            start_date=min(dates) if dates else None,
        )  # fmt: skip
    return tuple(merged.values())


def _date(value: str, file: str, line: int, field: str) -> date | None:
    """Dates are DD.MM.YYYY or DD.MM.YY (20YY: the lists began in 2019)."""
    value = value.strip()
    if not value:
        return None
    parts = value.split(".")
    try:
        day, month, year = (int(part) for part in parts)
        return date(year + 2000 if year < 100 else year, month, day)
    except ValueError:
        raise ListFormatError(file, f"not a DD.MM.YYYY date: {value!r}", row=line, field=field) from None
