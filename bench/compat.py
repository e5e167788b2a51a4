"""Names the benchmarks import that moved between commits, so one script measures both the previous code and this.

The gazetteer's native names and the bundled normal forms moved from ``exportguard.lists.bundled`` into matching
(the lists layer no longer imports the normaliser) after 7aa91e2; a baseline before that has them where they were.
"""

from __future__ import annotations

try:
    from exportguard.matching.gazetteer import native_names_for
    from exportguard.matching.normal_forms import bundled_normal_forms
except ImportError:  # a baseline from before the move
    from exportguard.lists.bundled import (  # type: ignore[attr-defined,no-redef]
        bundled_normal_forms,
        native_names_for,
    )

__all__ = ["bundled_normal_forms", "native_names_for"]
