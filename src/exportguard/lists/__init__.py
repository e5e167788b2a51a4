"""Restricted-party lists: the party model and one loader module per official source format."""

from exportguard.lists.errors import ListFormatError
from exportguard.lists.model import FRCitation, ListSnapshot, ListVersion, Party

__all__ = ["FRCitation", "ListFormatError", "ListSnapshot", "ListVersion", "Party"]
