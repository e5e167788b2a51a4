"""exportguard: US export-control compliance engine.

The public library API is small and stable:

* :func:`screen` -- screen a party name against the restricted-party lists.
* :func:`determine` -- decide whether a transaction needs a license as of a date.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import date

    from exportguard.matching.model import Hit
    from exportguard.rules.model import Determination
    from exportguard.rules.transaction import Transaction

__version__ = "0.1.0"


def screen(name: str, country: str | None = None, **options: Any) -> list[Hit]:
    """Ranked hits for ``name`` on the bundled lists (see :meth:`Screener.screen` for options)."""
    from exportguard.matching.screener import default_screener

    return default_screener().screen(name, country, **options)


def determine(transaction: Transaction | dict[str, Any], as_of: date | str | None = None, **options: Any) -> Determination:
    """License determination for ``transaction`` as of ``as_of`` (see :func:`exportguard.rules.engine.determine`)."""
    from exportguard.rules.engine import determine as run

    return run(transaction, as_of, **options)


__all__ = ["__version__", "determine", "screen"]
