"""Name matching: normalise -> index (candidate retrieval) -> named features -> score -> explain."""

from exportguard.matching.model import DEFAULT_THRESHOLD, STRONG_THRESHOLD, Feature, Hit

__all__ = ["DEFAULT_THRESHOLD", "STRONG_THRESHOLD", "Feature", "Hit"]
