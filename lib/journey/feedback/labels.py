"""Theme names a person would write: short phrases from a theme's own texts, and seed matches.

Kept apart from the fit (:mod:`journey.feedback.themes`) because naming is plain text work: which
ranked phrases occur word for word in the texts, which seed keywords (and their inflections) a
theme's leading words contain. The memo key hashes this module with the fit's
(:data:`journey.feedback.memo.SOURCES`), so a change here refits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence


def keyword_pattern(keyword: str) -> re.Pattern[str]:
    """A seed keyword or an inflection of it ("crash": crashes, crashed, crashing), not any word it
    begins ("app" is not "applied": the sample's "Discount applied automatically" joined the app theme)."""
    return re.compile(rf"\b{re.escape(keyword)}(?:s|es|d|ed|ing|n)?\b")


def seed_match(words: Sequence[str], seeds: dict[str, list[str]], lead: int = 3) -> str | None:
    """The seed theme with most keyword hits among the ``lead`` leading words (see :func:`keyword_pattern`), if any."""
    joined = " ".join(words[:lead]).lower()
    hits = {name: sum(bool(keyword_pattern(k).search(joined)) for k in keywords) for name, keywords in seeds.items()}
    best = max(hits, key=lambda name: hits[name], default=None)
    return best if best is not None and hits[best] > 0 else None


def word_label(words: Sequence[str], name: str | None = None) -> str:
    if name:
        return name.replace("_", " ").capitalize()
    picked: list[str] = []
    for word in words:
        if not any(part in " ".join(picked).split() for part in word.split()):
            picked.append(word)
        if len(picked) == 3:
            break
    return ", ".join(picked).capitalize() if picked else "(no words)"


SPOKEN = re.compile(r"[\w'-]+")


def phrase_label(words: Sequence[str], docs: Sequence[str], lead: int = 5) -> str:
    """A theme's name from its ranked words: of the best-ranked five phrases of two or three words
    (among the ``lead`` first) that occur word for word in the theme's texts, the one most texts
    use; else its best single word.

    The vectoriser drops stop words and numbers before it builds n-grams, so "took 12 days to
    arrive" yields "took days arrive": a word bag, not something a person would write. Only
    phrases found verbatim in the texts (lower case, punctuation ignored) can name a theme.
    """
    spoken = [" ".join(SPOKEN.findall(doc.lower())) for doc in docs]
    found = [word for word in words[:lead] if " " in word and phrase_uses(word, spoken)]
    if found:  # of the five best found, the one most of the texts use: "late delivery", not "late delivery took"
        best = max(found[:5], key=lambda word: (phrase_uses(word, spoken), -found.index(word)))
        return best[:1].upper() + best[1:]
    single = [word for word in words if " " not in word] or list(words)
    return single[0][:1].upper() + single[0][1:] if single else "(no words)"


def phrase_uses(phrase: str, spoken: Sequence[str]) -> int:
    """How many of the texts (lower case, words only) contain ``phrase`` word for word."""
    pattern = re.compile(rf"(?<![\w'-]){re.escape(phrase)}(?![\w'-])")
    return sum(1 for text in spoken if phrase in text and pattern.search(text))  # `in` first: fast in C
