"""Every list source exportguard can load, in one registry: its loader, and where the official files are.

Add a source by adding a :class:`ListSource` to :data:`SOURCES` (its loader module reads the files
named in ``files``). ``fetchable`` sources are downloaded by ``exportguard lists fetch``; the base URL
of each is a setting (``EXPORTGUARD_FETCH_URL_<CODE>``, for a mirror or an internal proxy).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from exportguard.lists import (
    cn_sanctions,
    csl,
    ecfr_entity_list,
    nsfreg_json,
    ofac_consolidated,
    ofac_parsed,
    ofac_sdn,
    un_consolidated,
)
from exportguard.lists.model import ListSnapshot

URL_SETTING = "EXPORTGUARD_FETCH_URL_{code}"


@dataclass(frozen=True)
class RemoteFile:
    """One file of a publication: its name at the source, the name the loader expects, its format."""

    remote: str
    local: str
    kind: str  # "csv" or "xml"


@dataclass(frozen=True)
class ListSource:
    """A list publication: a code (``--source``, version ids), what it is, how to load it, where it is."""

    code: str
    description: str
    #: Reads the file (or the directory holding a multi-file set); ``allow_partial`` for OFAC sets.
    load: Callable[..., ListSnapshot]
    base_url: str = ""
    files: tuple[RemoteFile, ...] = ()
    #: The loader reads a directory holding several files (OFAC's sets), with ``allow_partial``.
    file_set: bool = False

    @property
    def fetchable(self) -> bool:
        return bool(self.files)

    def url_base(self) -> str:
        """The base URL in use: the setting when given, else the official one."""
        return os.environ.get(URL_SETTING.format(code=self.code.upper()), self.base_url).rstrip("/") + "/"

    def load_fetched(self, directory: Path, allow_partial: bool = False) -> ListSnapshot:
        """Load a fetched set from the directory it was saved to."""
        if self.file_set:
            return self.load(directory, allow_partial=allow_partial)
        return self.load(directory / self.files[0].local)


_OFAC = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/"

SOURCES: dict[str, ListSource] = {source.code: source for source in (
    ListSource("csl", "trade.gov Consolidated Screening List (13 lists, CSV)", csl.load,
               "https://data.trade.gov/downloadable_consolidated_screening_list/v1/",
               (RemoteFile("consolidated.csv", "consolidated.csv", "csv"),)),
    ListSource("sdn", "OFAC Specially Designated Nationals (sdn, alt, add, comments CSV)", ofac_sdn.load, _OFAC,
               (RemoteFile("SDN.CSV", "sdn.csv", "csv"), RemoteFile("ALT.CSV", "alt.csv", "csv"),
                RemoteFile("ADD.CSV", "add.csv", "csv"), RemoteFile("SDN_COMMENTS.CSV", "sdn_comments.csv", "csv")), file_set=True),
    ListSource("cons", "OFAC Consolidated non-SDN lists: SSI, PLC, CAP, NS-MBS, CMIC (CSV)", ofac_consolidated.load,
               _OFAC,
               (RemoteFile("CONS_PRIM.CSV", "cons_prim.csv", "csv"), RemoteFile("CONS_ALT.CSV", "cons_alt.csv", "csv"),
                RemoteFile("CONS_ADD.CSV", "cons_add.csv", "csv"),
                RemoteFile("CONS_COMMENTS.CSV", "cons_comments.csv", "csv")), file_set=True),
    ListSource("un", "UN Security Council Consolidated List (XML)", un_consolidated.load,
               "https://scsanctions.un.org/resources/xml/en/",
               (RemoteFile("consolidated.xml", "consolidated.xml", "xml"),)),
    ListSource("el", "BIS Entity List from the eCFR, as JSON (phagehunter/nsfreg schema)", ecfr_entity_list.load),
    ListSource("cn", "China's counter-lists (OpenSanctions cn_sanctions.csv)", cn_sanctions.load),
    ListSource("sdnparsed", "OFAC SDN as one parsed CSV (kindrat86/ofac-sdn-json; no addresses)", ofac_parsed.load),
    ListSource("nsfreg", "DPL, MEU, NS-CMIC, DTC or ISN as JSON (phagehunter/nsfreg schema)", nsfreg_json.load),
)}


def fetchable() -> list[ListSource]:
    """The sources ``lists fetch`` downloads by default."""
    return [source for source in SOURCES.values() if source.fetchable]
