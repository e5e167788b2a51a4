"""The verified-key cache forgets keys after its lifetime and never holds them in clear."""

from __future__ import annotations

from exportguard.api.keycache import KeyCache
from exportguard.store.users import Principal

ANN = Principal(1, "ann", "analyst")


def test_cached_key_is_found_until_it_expires() -> None:
    assert KeyCache(ttl=60).get("eg_a_b") is None
    fresh = KeyCache(ttl=60)
    fresh.put("eg_a_b", ANN)
    assert fresh.get("eg_a_b") == ANN
    expired = KeyCache(ttl=-1)
    expired.put("eg_a_b", ANN)
    assert expired.get("eg_a_b") is None


def test_keys_are_held_by_digest_only() -> None:
    cache = KeyCache()
    cache.put("eg_secret_value", ANN)
    assert all("secret" not in stored for stored in cache._entries)
