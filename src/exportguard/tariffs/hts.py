"""HTS codes as users type them: 8 or 10 digits, with or without the dots."""

from __future__ import annotations

import re
from dataclasses import dataclass

_DOTTED = re.compile(r"^\d{4}\.\d{2}\.\d{2}(?:\d{2}|\.\d{2})?$")
_PLAIN = re.compile(r"^\d{8}(?:\d{2})?$")
MAX_INPUT = 20


class HtsCodeError(ValueError):
    """Text that is not an 8- or 10-digit HTS code."""


class UnknownHtsCode(LookupError):
    """A well-formed HTS code that the Section 301 data does not know: never read as "no tariff"."""


@dataclass(frozen=True, order=True)
class HtsCode:
    """An HTS subheading (8 digits) or statistical reporting number (10 digits), digits only."""

    digits: str

    @classmethod
    def parse(cls, text: str) -> HtsCode:
        """``8517.12.00``, ``85171200``, ``8517.12.0050`` or ``8517120050``; anything else is refused."""
        cleaned = (text or "").strip()
        if len(cleaned) > MAX_INPUT or not (_DOTTED.match(cleaned) or _PLAIN.match(cleaned)):
            raise HtsCodeError(
                f"{cleaned[:MAX_INPUT]!r} is not an HTS code: give 8 or 10 digits, dotted (8517.12.00, "
                "8517.12.0050) or not (85171200)"
            )
        digits = cleaned.replace(".", "")
        if digits[:2] in ("98", "99"):
            raise HtsCodeError(f"{cleaned!r} is a chapter {digits[:2]} provision, not a product's classification")
        return cls(digits)

    @property
    def subheading(self) -> str:
        """The 8-digit subheading the code falls under."""
        return self.digits[:8]

    @property
    def is_statistical(self) -> bool:
        return len(self.digits) == 10

    def __str__(self) -> str:
        d = self.digits
        return f"{d[:4]}.{d[4:6]}.{d[6:]}"
