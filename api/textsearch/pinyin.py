"""Whether an ASCII word a resident typed could be pinyin: whole syllables, perhaps partly typed, or initials."""

_INITIALS = (
    "zh",
    "ch",
    "sh",
    "b",
    "p",
    "m",
    "f",
    "d",
    "t",
    "n",
    "l",
    "g",
    "k",
    "h",
    "j",
    "q",
    "x",
    "r",
    "z",
    "c",
    "s",
    "y",
    "w",
    "",
)
_FINALS = (
    "iang",
    "iong",
    "uang",
    "ang",
    "eng",
    "ing",
    "ong",
    "ian",
    "iao",
    "uai",
    "uan",
    "ai",
    "ei",
    "ao",
    "ou",
    "an",
    "en",
    "in",
    "un",
    "vn",
    "ia",
    "ie",
    "iu",
    "ua",
    "uo",
    "ue",
    "ui",
    "ve",
    "er",
    "a",
    "o",
    "e",
    "i",
    "u",
    "v",
)
# Every initial with every final: a little more than real syllables, enough to tell pinyin from English.
_SYLLABLES = frozenset(initial + final for initial in _INITIALS for final in _FINALS)


def looks_like_pinyin(word: str) -> bool:
    """Whole syllables, perhaps ending in a partly typed one (`yangl`), or initials only (`ylzx`)."""
    if not word.isalpha():
        return False
    if not any(vowel in word for vowel in "aeiouv"):
        return True
    reachable = [True] + [False] * len(word)
    for end in range(1, len(word) + 1):
        starts = range(max(0, end - 6), end)
        reachable[end] = any(reachable[start] and word[start:end] in _SYLLABLES for start in starts)
    tail = next((i for i in range(len(word), -1, -1) if reachable[i]), 0)
    return tail > 0 and (tail == len(word) or any(s.startswith(word[tail:]) for s in _SYLLABLES))
