"""exportguard: US export-control compliance engine.

The public library API is small and stable:

* :func:`screen` -- screen a party name against the restricted-party lists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from exportguard.matching.model import Hit

__version__ = "0.1.0"


def screen(name: str, country: str | None = None, **options: Any) -> list[Hit]:
    """Ranked hits for ``name`` on the bundled lists (see :meth:`Screener.screen` for options)."""
    from exportguard.matching.screener import default_screener

    return default_screener().screen(name, country, **options)


__all__ = ["__version__", "screen"]
