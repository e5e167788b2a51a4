"""exportguard: US export-control compliance engine.

The public library API is small and stable:

* :func:`screen` -- screen a party name against the restricted-party lists.
* :func:`determine` -- decide whether a transaction needs a license as of a date.
* :func:`tariff` -- Section 301 (China) duty exposure of an HTS code as of a date.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import date

    from exportguard.matching.model import Hit
    from exportguard.rules.model import Determination
    from exportguard.rules.transaction import Transaction
    from exportguard.tariffs.exposure import TariffAnswer

__version__ = "0.1.0"


def screen(name: str, country: str | None = None, **options: Any) -> list[Hit]:
    """Ranked hits for ``name`` on the bundled lists (see :meth:`Screener.screen` for options); an unknown
    list code in ``lists`` is refused (ScreeningInputError naming the valid ones)."""
    from exportguard.matching.screener import default_screener

    screener = default_screener()
    screener.checked_lists(options.get("lists"))
    return screener.screen(name, country, **options)


def determine(transaction: Transaction | dict[str, Any], as_of: date | str | None = None, **options: Any) -> Determination:
    """License determination for ``transaction`` as of ``as_of`` (see :func:`exportguard.rules.engine.determine`)."""
    from exportguard.rules.engine import determine as run

    return run(transaction, as_of, **options)


def tariff(hts: str, as_of: date | str | None = None, **options: Any) -> TariffAnswer:
    """Section 301 list, heading and additional duty for ``hts`` entered on ``as_of`` (default today); options
    ``origin`` (default CN) and ``value`` (USD). See :func:`exportguard.tariffs.exposure.exposure`."""
    from datetime import date as day

    from exportguard.tariffs.exposure import exposure

    when = day.fromisoformat(as_of) if isinstance(as_of, str) else as_of or day.today()
    return exposure(hts, when, **options)


__all__ = ["__version__", "determine", "screen", "tariff"]
