"""Rewrite src/exportguard/data/normal_forms.json.gz: every name of the bundled lists' index, normalised.

Usage: python scripts/derive_normal_forms.py

Run it after changing the normaliser (normalize.py, vocabulary.py, chinese.py, dictionary.py), a bundled
list file or native_names.csv, or the pypinyin or english-words version: the file is used only under the
fingerprint it was derived with (see src/exportguard/matching/normal_forms.py), and
tests/test_normal_forms.py fails until it is rewritten.
"""

from __future__ import annotations

from exportguard.lists.bundled import data_path
from exportguard.matching.normal_forms import FILE_NAME, default_spellings, derived, encoded


def main() -> None:
    names = default_spellings()
    path = data_path(FILE_NAME)
    path.write_bytes(encoded(derived(names)))
    print(f"{path}: {len(names)} names, {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
