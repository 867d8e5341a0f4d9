"""Regenerate ``config/gazetteer/common_words.txt`` from the ``wordfreq`` package.

Why: lexicon slang that is also an everyday word ("candy", "ice", "polvo") must be flagged
``ambiguous`` so the extractor asks for drug context. The build reads the committed list, so it
needs no network and no ``wordfreq`` at build time; run this only to refresh the list
(``pip install wordfreq==3.1.1``; data CC BY-SA 4.0, see config/gazetteer/NOTICE.md).
"""

from __future__ import annotations

import argparse
import logging
import re
from pathlib import Path

LOG = logging.getLogger(__name__)

#: (language, minimum Zipf frequency). Zipf 3.0 = once per million words. English slang is
#: checked strictly; Spanish because a large share of the DEA slang is Spanish street words.
THRESHOLDS: tuple[tuple[str, float], ...] = (("en", 3.0), ("es", 3.5))
_WORD = re.compile(r"[^\W_]+")
HEADER = (
    "# Common words (English Zipf >= 3.0, Spanish Zipf >= 3.5) from wordfreq 3.1.1.\n"
    "# Data: wordfreq, CC BY-SA 4.0 (https://github.com/rspeer/wordfreq). Regenerate with\n"
    "# `python -m tools.gazetteer.make_wordlist`. One lowercase word per line.\n"
)


def common_words() -> list[str]:
    """Return the sorted, de-duplicated common word list across the configured languages."""
    from wordfreq import top_n_list, zipf_frequency  # optional dependency, import lazily

    words: set[str] = set()
    for lang, threshold in THRESHOLDS:
        for word in top_n_list(lang, 80000):
            if _WORD.fullmatch(word) and zipf_frequency(word, lang) >= threshold:
                words.add(word.casefold())
    return sorted(words)


def main(argv: list[str] | None = None) -> int:
    """Write the word list to the path given (default: the gazetteer config folder)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("config/gazetteer/common_words.txt"))
    args = parser.parse_args(argv)
    words = common_words()
    args.out.write_text(HEADER + "\n".join(words) + "\n", encoding="utf-8")
    LOG.info("wrote %d words to %s", len(words), args.out)
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    raise SystemExit(main())
