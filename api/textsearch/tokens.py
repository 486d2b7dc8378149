"""The one tokenizer: every index token and every query token is built here, in Python, so SQLite (FTS5) and
PostgreSQL (tsvector) only compare ready-made tokens and return the same rows.

Index: Chinese runs become single characters and overlapping bigrams; names also get pinyin (each syllable,
runs of 2–4 syllables joined, the whole run joined) and their initials (every pair, and every tail from each
syllable on, so that a prefix search finds initials of any length); ASCII runs become words. Pinyin tokens carry
their own mark (`PINYIN`), so an English word never meets a pinyin reading (`wc` is not 五村).
Query: jieba splits Chinese into words, stop words go, each word is widened by the residents' vocabulary
(synonyms), and each alternative must match all its bigrams. Words are ANDed, alternatives ORed. A word of the
English vocabulary is read as English only; another ASCII word that could be pinyin is read as both.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import jieba
from pypinyin import Style, lazy_pinyin, load_phrases_dict

from api.textsearch.pinyin import looks_like_pinyin

DATA = Path(__file__).resolve().parent / "data"
_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
MAX_TOKEN_LENGTH = 40
MIN_PREFIX_LENGTH = 3
# The mark of every pinyin token in the index and in a query: `zpyanglao`, `zpsjgy`. English words and the other
# index tokens (filters `zz…`, scopes) never begin with it.
PINYIN = "zp"


def _data_lines(name: str) -> list[str]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


@cache
def synonym_groups() -> dict[str, tuple[str, ...]]:
    groups: dict[str, tuple[str, ...]] = {}
    for line in _data_lines("synonyms.txt"):
        words = tuple(dict.fromkeys(normalize(word) for word in line.split()))
        for word in words:
            groups[word] = tuple(dict.fromkeys((*groups.get(word, ()), *words)))
    return groups


@cache
def stopwords() -> frozenset[str]:
    return frozenset(word for line in _data_lines("stopwords.txt") for word in line.split())


@cache
def _pinyin_ready() -> None:
    phrases = {}
    for line in _data_lines("pinyin_phrases.txt"):
        word, *syllables = line.split()
        phrases[word] = [[syllable] for syllable in syllables]
    load_phrases_dict(phrases, style="normal")
    lazy_pinyin("上海")


@cache
def warm_up() -> None:
    """Load jieba's dictionary and pypinyin's tables now (at start-up), not on a resident's first request."""
    _pinyin_ready()
    jieba.setLogLevel(60)
    jieba.initialize()
    for line in _data_lines("pinyin_phrases.txt"):
        jieba.add_word(line.split()[0])
    for word in synonym_groups():
        if _CJK.search(word):
            jieba.add_word(word, freq=20000)


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _is_cjk(run: str) -> bool:
    return bool(_CJK.match(run))


def _grams(run: str) -> list[str]:
    """Every character and every overlapping pair: 长者食堂 → 长 者 食 堂 长者 者食 食堂."""
    return [*run, *(run[i : i + 2] for i in range(len(run) - 1))]


def _pinyin_tokens(run: str) -> list[str]:
    syllables = [s for s in lazy_pinyin(run, style=Style.NORMAL, errors="ignore") if s.isascii() and s.isalpha()]
    if not syllables:
        return []
    tokens = list(syllables)
    for width in (2, 3, 4):
        tokens += ["".join(syllables[i : i + width]) for i in range(len(syllables) - width + 1)]
    tokens.append("".join(syllables))
    initials = _initials(syllables)
    # Pairs for two-letter queries (read whole), and every tail for longer ones (read as prefixes): together every
    # run of initials the name has, of any length.
    tokens += [initials[i : i + 2] for i in range(len(initials) - 1)]
    tokens += [initials[i:] for i in range(len(initials) - 2)]
    return [PINYIN + token[:MAX_TOKEN_LENGTH] for token in tokens]


def _initials(syllables: Sequence[str]) -> str:
    return "".join(syllable[0] for syllable in syllables)


def name_sort_key(name: str) -> str:
    """A name as it sorts in a Chinese list: by its pinyin, syllable by syllable (交大… `jiao da` before
    乌鲁木齐… `wu lu mu qi`); other characters as they are, lower-cased. Compared byte by byte (SQLite's
    text, PostgreSQL's "C" collation), it orders alike on both."""
    _pinyin_ready()
    parts = (part.strip() for part in lazy_pinyin(normalize(name), style=Style.NORMAL))
    return " ".join(part for part in parts if part)


def text_tokens(text: str | None, *, pinyin: bool = False) -> list[str]:
    if not text:
        return []
    tokens: list[str] = []
    for run in _RUNS.findall(normalize(text)):
        if _is_cjk(run):
            tokens += _grams(run)
            if pinyin:
                tokens += _pinyin_tokens(run)
        else:
            tokens.append(run[:MAX_TOKEN_LENGTH])
    return tokens


def document(name_texts: list[str | None], body_texts: list[str | None]) -> tuple[str, str]:
    """The two indexed fields (name, body) as space-separated tokens, duplicates removed."""
    _pinyin_ready()
    name = dict.fromkeys(token for text in name_texts for token in text_tokens(text, pinyin=True))
    body = dict.fromkeys(token for text in body_texts for token in text_tokens(text))
    return " ".join(name), " ".join(body)


def filter_token(kind: str, value: str) -> str:
    """An index token for a structured filter (`zzd310104` for 徐汇区): the full-text index then narrows a search
    by district or category itself, instead of testing every document of the district afterwards."""
    return "zz" + kind + re.sub(r"[^a-z0-9]", "", value.lower().replace(".", "9"))


def district_scoped(district_code: str, tokens: list[str], field: str = "w") -> list[str]:
    """Each token as found in one district's listings: their words (`zzd310104w公园`) or their names'
    (`zzd310104n公园`).

    A search narrowed to a district then reads the short posting lists of its words in that district instead of
    intersecting the city-wide lists with the district's thousands of listings (bench/README.md; prefix terms
    keep working, as the scope is a prefix). The names' words tell its name
    matches from the same index, with no test of each match's name."""
    scope = district_scope(district_code, field)
    return [scope + token for token in tokens]


def district_scope(district_code: str, field: str = "w") -> str:
    return filter_token("d", district_code) + field


def place_filter_tokens(category_code: str, district_code: str) -> list[str]:
    parts = category_code.split(".")
    categories = [".".join(parts[: depth + 1]) for depth in range(len(parts))]
    return [filter_token("d", district_code), *(filter_token("c", code) for code in categories)]


@dataclass(frozen=True)
class Term:
    """One way a query word may appear: all `tokens` present (the last may be a prefix)."""

    tokens: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class QueryPlan:
    """AND over words; each word is an OR over its alternatives (synonyms)."""

    words: tuple[tuple[Term, ...], ...]

    @property
    def empty(self) -> bool:
        return not self.words

    def narrowed(self, tokens: Sequence[str], district: str | None = None, field: str = "w") -> "QueryPlan":
        """The same plan, also requiring these exact tokens (structured filters) and, with `district`, its words
        as found in that district's listings (`district_scoped`; `field="n"`: in their names)."""
        words = self.scoped(district_scope(district, field)).words if district else self.words
        return QueryPlan((*words, *((Term((token,)),) for token in tokens)))

    def scoped(self, scope: str) -> "QueryPlan":
        """The same plan with every token prefixed by `scope` (`district_scoped`, the grid's cells): a prefix
        term stays a prefix term, as the scope is a prefix."""
        return QueryPlan(
            tuple(
                tuple(Term(tuple(scope + token for token in term.tokens), term.prefix) for term in alternatives)
                for alternatives in self.words
            )
        )


@cache
def _pinyin_of_synonyms() -> dict[str, tuple[str, ...]]:
    """`yanglao` and `yl` → 养老: typing a vocabulary word in pinyin or its initials widens it like the word
    itself (initials may stand for several words: `yy` is 医院 or 游园)."""
    _pinyin_ready()
    readings: dict[str, tuple[str, ...]] = {}
    for word in synonym_groups():
        if _CJK.search(word):
            syllables = lazy_pinyin(word)
            for reading in ("".join(syllables), _initials(syllables)):
                readings[reading] = (*readings.get(reading, ()), word)
    return readings


@cache
def english_vocabulary() -> frozenset[str]:
    """The vocabulary's English words: read as English only, never as pinyin (`wc`, `aged`)."""
    return frozenset(word for word in synonym_groups() if word.isascii())


def _is_initials(word: str) -> bool:
    return word.isascii() and word.isalpha() and not any(vowel in word for vowel in "aeiouv")


def _terms(word: str) -> list[Term]:
    if _is_cjk(word):
        grams = (word,) if len(word) == 1 else tuple(word[i : i + 2] for i in range(len(word) - 1))
        return [Term(tuple(dict.fromkeys(grams)))]
    word = word[:MAX_TOKEN_LENGTH]
    # English: whole words, singular or plural.
    terms = [Term((word,))]
    if len(word) > 3 and word.endswith("s"):
        terms.append(Term((word[:-1],)))
    if word not in english_vocabulary() and looks_like_pinyin(word):
        terms.insert(0, Term((PINYIN + word,), prefix=len(word) >= MIN_PREFIX_LENGTH))
    return terms


def _initials_words(word: str) -> list[str]:
    """Initials read word by word (`ylzx` → yl zx, as 养老 中心): the vocabulary's words where their initials
    begin, else two letters (most Chinese words are two characters); a last odd letter stays with its word."""
    readings = _pinyin_of_synonyms()
    words: list[str] = []
    start = 0
    while start < len(word):
        known = [end for end in range(len(word), start + 1, -1) if word[start:end] in readings]
        end = known[0] if known else start + 2
        if len(word) - end == 1:
            end += 1
        words.append(word[start:end])
        start = end
    return words


def _query_words(text: str) -> list[str]:
    words = []
    for run in _RUNS.findall(normalize(text)):
        if _is_cjk(run):
            if run in synonym_groups():
                words.append(run)
            else:
                words += [w for w in jieba.lcut(run) if w.strip()]
        elif _is_initials(run) and len(run) > 3:
            words += _initials_words(run)
        else:
            words.append(run)
    return [word for word in words if word not in stopwords()]


def _absorbs(term: Term, other: Term) -> bool:
    """Whether every document `other` matches is already matched by `term` (停车 absorbs 停车 & 车场)."""
    if term.prefix or term == other:
        return False
    exact = other.tokens[:-1] if other.prefix else other.tokens
    return set(term.tokens) <= set(exact)


def _without_absorbed(alternatives: tuple[Term, ...]) -> tuple[Term, ...]:
    """The same OR with the alternatives that add no match left out: the database reads fewer postings
    (bench/README.md) and returns exactly the same rows."""
    return tuple(other for other in alternatives if not any(_absorbs(term, other) for term in alternatives))


def _plan(words: list[str]) -> QueryPlan:
    groups = synonym_groups()
    plan: list[tuple[Term, ...]] = []
    for word in words:
        if word not in groups and word in _pinyin_of_synonyms():
            meanings = _pinyin_of_synonyms()[word]
            expanded: tuple[str, ...] = (word, *(w for meaning in meanings for w in groups[meaning]))
        else:
            expanded = groups.get(word, (word,))
        alternatives = _without_absorbed(tuple(dict.fromkeys(term for w in expanded for term in _terms(w))))
        if alternatives and alternatives not in plan:
            plan.append(alternatives)
    return QueryPlan(tuple(plan))


@lru_cache(maxsize=4096)
def parse_query(text: str) -> QueryPlan:
    """Words split by jieba and widened by the vocabulary: finds 徐汇 养老 in 徐汇养老."""
    warm_up()
    return _plan(_query_words(text))


@lru_cache(maxsize=4096)
def parse_phrase_query(text: str) -> QueryPlan | None:
    """Each Chinese run kept whole (人民公园 as one phrase, not 人民 AND 公园); None when that is no different.

    Callers try it first and fall back to parse_query when the phrase matches nothing.
    """
    warm_up()
    words = []
    for run in _RUNS.findall(normalize(text)):
        if run in stopwords():
            continue
        words.append(run)
    phrase = _plan(words)
    return None if phrase.empty or phrase == parse_query(text) else phrase


def _fts5_term(term: Term) -> str:
    parts = [f'"{token}"' for token in term.tokens]
    if term.prefix:
        parts[-1] += " *"
    return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"


def to_fts5(plan: QueryPlan, column: str | None = None) -> str:
    """An FTS5 MATCH expression; tokens are quoted, so no user text is read as query syntax."""
    words = ["(" + " OR ".join(_fts5_term(term) for term in alternatives) + ")" for alternatives in plan.words]
    expression = " AND ".join(words)
    return f"{{{column}}} : ({expression})" if column else expression


def _tsquery_term(term: Term) -> str:
    parts = [f"'{token}'" for token in term.tokens]
    if term.prefix:
        parts[-1] += ":*"
    return parts[0] if len(parts) == 1 else "(" + " & ".join(parts) + ")"


def to_tsquery(plan: QueryPlan) -> str:
    """tsquery text of quoted lexemes (cast, never parsed by a text-search configuration)."""
    return " & ".join("(" + " | ".join(_tsquery_term(t) for t in alternatives) + ")" for alternatives in plan.words)
