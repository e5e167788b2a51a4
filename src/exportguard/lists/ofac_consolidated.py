"""OFAC's Consolidated (non-SDN) Sanctions List in the raw format of its SDN files.

``cons_prim.csv`` holds one row per entry, with ``cons_alt.csv``, ``cons_add.csv`` and
``cons_comments.csv`` beside it, in the columns of ``sdn.csv``/``alt.csv``/``add.csv``/``sdn_comments.csv``
(:mod:`exportguard.lists.ofac_sdn` reads them). The file mixes several lists; which one an entry is on
follows from its program tags, as the CSL names them.
"""

from __future__ import annotations

from pathlib import Path

from exportguard.lists.model import ListSnapshot
from exportguard.lists.ofac_sdn import FileSet, load_set

SOURCE = "cons"
FILES = FileSet("cons_prim.csv", "cons_alt.csv", "cons_add.csv", "cons_comments.csv")
#: Program tag -> (list code, list name), first match wins in this order.
PROGRAM_LISTS = (
    ("UKRAINE-EO13662", "SSI", "Sectoral Sanctions Identifications List (SSI) - Treasury Department"),
    ("CMIC-EO13959", "CMIC", "Non-SDN Chinese Military-Industrial Complex Companies List (CMIC) - Treasury Department"),
    ("NS-PLC", "PLC", "Palestinian Legislative Council List (PLC) - Treasury Department"),
    ("561-RELATED", "CAP", "Capta List (CAP) - Treasury Department"),
    ("FSE-", "FSE", "Foreign Sanctions Evaders (FSE) - Treasury Department"),
)
#: Everything else on the file is a menu-based sanction (CAATSA, EO 14024 directives, ...).
MENU_BASED = ("NS-MBS", "Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department")


def load(path: str | Path, allow_partial: bool = False) -> ListSnapshot:
    """Load ``cons_prim.csv`` (or a directory holding it) with its companion files."""
    return load_set(path, FILES, list_of, SOURCE, allow_partial)


def list_of(row: dict[str, str]) -> tuple[str, str]:
    """The list an entry is on, from its program tags."""
    programs = row["program"].upper()
    for tag, code, name in PROGRAM_LISTS:
        if tag in programs:
            return code, name
    return MENU_BASED
