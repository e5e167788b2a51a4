"""Section 301 (China) tariff exposure as of a date: which list an HTS code is on, the chapter 99 heading,
and the additional duty in force on the date with the Federal Register notice that set it.

Domain core: no web framework, CLI library or database. See ``docs/tariffs.md`` for what is modelled.
"""

from exportguard.tariffs.exposure import TariffAnswer, exposure
from exportguard.tariffs.hts import HtsCode, HtsCodeError, UnknownHtsCode

__all__ = ["HtsCode", "HtsCodeError", "TariffAnswer", "UnknownHtsCode", "exposure"]
