"""Screening a grant's beneficiary against a sanctions list the operator imports.

Pure functions over plain values: no database. The list is a CSV file (see
:func:`read_sanctions_csv` and ``docs/relief-formats.md``); names are compared across
scripts, so that "Шевченко Тарас Григорович", "Taras Shevchenko" and "Shevchenko, Taras H."
meet:

- every word of a name is spelt in Latin letters: a Ukrainian word in the official
  transliteration (KMU resolution 55 of 27 January 2010, through ``translitua``), any
  Cyrillic word also in a Russian-style one, Russian given names also as their Ukrainian
  counterparts (Николай = Микола, Алексей = Олексій); Latin spellings are folded
  (Iurii = Yurii = Yuriy, Aleksey = Aleksei);
- two words agree when a spelling is the same (1.0), when their phonetic keys
  (:func:`civwatch.crypto.blind.phonetic_key`) are (0.93: Oleksii = Aleksei), or by
  ``rapidfuzz``'s similarity of their closest spellings (typing mistakes);
- the words of two names are paired in whatever order they are written (surname first or
  last); a patronymic missing on one side costs nothing, a patronymic or initial that
  disagrees costs :data:`PATRONYMIC_CONFLICT`, every other word left unpaired
  :data:`UNPAIRED_WORD`; at least two words must pair;
- dates of birth must agree when both are known (at the precision both give: a year
  alone agrees with any date in that year); a disagreement rules the entry out.

A candidate at or above :data:`POSSIBLE_MATCH` blocks the grant until a person clears it;
:data:`STRONG_MATCH` and above is said to be a strong match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import translitua
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from civwatch.crypto.blind import name_tokens, phonetic_key
from civwatch.errors import RejectedInputError
from civwatch.i18n import N_, _
from civwatch.relief.statements import decode_text, read_csv_table

#: A candidate at this score or above blocks a grant until a person clears it.
POSSIBLE_MATCH = 0.85
#: At this score or above a candidate is called a strong match.
STRONG_MATCH = 0.95
#: Score of two words whose phonetic keys agree but no spelling does.
PHONETIC_AGREEMENT = 0.93
#: Below this similarity two words are not paired at all.
WORD_PAIRING = 0.80
#: Cost of each word of the longer name that pairs with nothing (not a patronymic).
UNPAIRED_WORD = 0.08
#: Cost of patronymics (or a patronymic and an initial) that disagree.
PATRONYMIC_CONFLICT = 0.12
#: Added when both dates of birth are known and agree (the score stays at most 1).
BIRTH_DATE_AGREES = 0.04
#: Most entries (names with their aliases) a list may hold.
MAX_LIST_ENTRIES = 500_000

#: The CSV columns of a sanctions list (header names compared without case).
COLUMN_NAME = "name"
COLUMN_ALIASES = "aliases"
COLUMN_BIRTH = "date_of_birth"
COLUMN_ID = "id"
COLUMN_SOURCE = "source"

_APOSTROPHES = str.maketrans("", "", "'’ʼ`‘′´ʹ")
_WORD = re.compile(r"[^\W\d_]+")
_CYRILLIC = re.compile(r"[\u0400-\u052f]")
#: Endings of Ukrainian and Russian patronymics, in Cyrillic and in Latin spellings.
_PATRONYMIC = re.compile(
    r"(ович|евич|євич|йович|ьович|івна|ївна|овна|евна|ична|інична|"
    r"ovych|evych|ovich|evich|ivna|yivna|ovna|evna|ichna)$"
)
#: What a feminine form adds to a masculine one (Oleksandr-a, Yevheni-ia, Ivan-na).
_FEMININE_ENDINGS = frozenset({"a", "ia", "iia", "ya", "na", "ina"})
#: Russian letters the Ukrainian national transliteration has no rule for.
_TO_UKRAINIAN = str.maketrans({"ё": "е", "ы": "и", "э": "е", "ъ": "", "ў": "у"})
#: Russian given names whose Ukrainian counterpart is not a transliteration of them.
GIVEN_NAME_COUNTERPARTS = {
    "николай": "микола", "владимир": "володимир", "алексей": "олексій",
    "александр": "олександр", "елена": "олена", "екатерина": "катерина",
    "евгений": "євген", "евгения": "євгенія", "пётр": "петро", "петр": "петро",
    "дмитрий": "дмитро", "сергей": "сергій", "андрей": "андрій", "юрий": "юрій",
    "григорий": "григорій", "василий": "василь", "михаил": "михайло",
    "павел": "павло", "фёдор": "федір", "федор": "федір", "игорь": "ігор",
    "ирина": "ірина", "наталья": "наталія", "татьяна": "тетяна", "анна": "ганна",
    "людмила": "людмила", "светлана": "світлана", "иван": "іван", "илья": "ілля",
    "лев": "лев", "олег": "олег", "виктор": "віктор", "анатолий": "анатолій",
    "ольга": "ольга", "галина": "галина", "мария": "марія", "юлия": "юлія",
}  # fmt: skip


def official_latin(word: str) -> str:
    """A word in the official Ukrainian transliteration (KMU 2010), lower case, letters
    a-z only (``"Григорович"`` -> ``"hryhorovych"``); a Latin word lower case without
    diacritics or apostrophes (``"Zgurskyj"`` stays ``"zgurskyj"``)."""
    text = unicodedata.normalize("NFKC", word.translate(_APOSTROPHES)).casefold()
    if _CYRILLIC.search(text):
        text = str(translitua.translit(text.translate(_TO_UKRAINIAN), translitua.UkrainianKMU))
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if "a" <= c <= "z")


def name_words(name: str) -> list[str]:
    """The words of a name: apostrophes removed (Мар'яна = Марʼяна), split at anything
    that is not a letter ("Shevchenko, Taras H." -> ``["Shevchenko", "Taras", "H"]``)."""
    text = unicodedata.normalize("NFKC", name.translate(_APOSTROPHES))
    text = "".join(c for c in text if not unicodedata.category(c).startswith("M"))
    return _WORD.findall(text)


def is_patronymic(word: str) -> bool:
    """Whether a word ends as a Ukrainian or Russian patronymic does (-ович, -івна,
    -ovych, -ivna...). Only used for names of three words or more."""
    return len(word) > 5 and _PATRONYMIC.search(word.casefold()) is not None


def fold_latin(spelling: str) -> str:
    """Latin spellings of one sound made the same: Iurii/Yuriy -> yuri, Aleksey -> aleksei,
    Alexandr -> aleksandr."""
    folded = spelling.replace("x", "ks")
    folded = re.sub(r"^[ij](?=[aeou])", "y", folded)
    folded = re.sub(r"(iyi|ii|iy|yi|ij|yy|yj)$", "i", folded)
    return re.sub(r"(ey|ej)$", "ei", folded)


def _latin_of_cyrillic(word: str) -> set[str]:
    return {t for t in name_tokens(word) if t.isascii()} | {official_latin(word)}


def _build_counterparts() -> dict[str, frozenset[str]]:
    """Folded Latin spellings of the Russian given names -> the folded spellings of their
    Ukrainian counterpart (and the other way round), so "Nikolai" meets "Mykola"."""
    table: dict[str, set[str]] = {}
    for russian, ukrainian in GIVEN_NAME_COUNTERPARTS.items():
        ru = {fold_latin(s) for s in _latin_of_cyrillic(russian)}
        uk = {fold_latin(s) for s in _latin_of_cyrillic(ukrainian)}
        for spelling in ru | uk:
            table.setdefault(spelling, set()).update(ru | uk)
    return {spelling: frozenset(spellings) for spelling, spellings in table.items()}


_COUNTERPARTS = _build_counterparts()


@dataclass(frozen=True)
class WordSpellings:
    """One word of a name as it is compared."""

    word: str
    spellings: frozenset[str]
    phonetic: frozenset[str]
    initial: bool
    patronymic: bool


#: Initials that stand for the same letter in different transliterations.
_INITIAL_GROUPS = (frozenset("hg"), frozenset("yij"))


@lru_cache(maxsize=65536)
def word_spellings(word: str, patronymic: bool = False) -> WordSpellings:
    """A word's folded Latin spellings and phonetic keys (cached: a list repeats names)."""
    letters = word.casefold()
    if len(letters) == 1:
        initials = {official_latin(letters)[:1]} - {""}
        for group in _INITIAL_GROUPS:  # Г is H (uk) or G (ru); Ю is Yu, Iu or Ju
            if initials & group:
                initials |= group
        return WordSpellings(word, frozenset(initials), frozenset(), True, False)
    cyrillic = _CYRILLIC.search(letters)
    raw = _latin_of_cyrillic(letters) if cyrillic else {official_latin(letters)}
    spellings = {fold_latin(s) for s in raw if s}
    for spelling in list(spellings):
        spellings |= _COUNTERPARTS.get(spelling, frozenset())
    keys = frozenset(k for k in (phonetic_key(s) for s in spellings) if k)
    return WordSpellings(word, frozenset(spellings), keys, False, patronymic)


def name_spellings(name: str) -> tuple[WordSpellings, ...]:
    """Every word of ``name`` as it is compared; in a name of three words or more, a word
    ending as a patronymic is marked as one."""
    words = name_words(name)
    full = [w for w in words if len(w) > 1]
    return tuple(word_spellings(w, patronymic=len(full) >= 3 and is_patronymic(w)) for w in words)


def typing_allowance(length: int) -> int:
    """How many letters (Levenshtein edits) may be wrong in a word of ``length`` letters for
    it still to pair: none up to 4, one up to 8, two from 9."""
    return 0 if length <= 4 else 1 if length <= 8 else 2


def phonetic_allowance(length: int) -> int:
    """How many edits apart two spellings with the same phonetic key may be and still
    pair: one up to 4 letters (Olha and Oleh, two apart, do not), else two more than
    :func:`typing_allowance` (Oliinyk and Oleynik, Oleksii and Aleksei do)."""
    return 1 if length <= 4 else typing_allowance(length) + 2


def word_similarity(a: WordSpellings, b: WordSpellings) -> float:
    """How alike two full words are, 0-1 (see the module's description): 1.0 for a
    spelling in common; :data:`PHONETIC_AGREEMENT` when the phonetic keys agree and the
    closest spellings are within :func:`phonetic_allowance` (Olha and Oleh share a key
    but are other names); else
    ``rapidfuzz``'s similarity of the closest spellings when they are within
    :func:`typing_allowance` of each other and one is not the other with a feminine
    ending (Oleksandr, Oleksandra), 0 otherwise."""
    if a.spellings & b.spellings:
        return 1.0
    x, y = max(
        ((x, y) for x in a.spellings for y in b.spellings),
        key=lambda pair: (fuzz.ratio(*pair), pair),
    )
    short, long = sorted((x, y), key=len)
    if long.startswith(short) and long[len(short) :] in _FEMININE_ENDINGS:
        return 0.0
    edits = Levenshtein.distance(x, y)
    if a.phonetic & b.phonetic and edits <= phonetic_allowance(len(long)):
        return PHONETIC_AGREEMENT
    if edits > typing_allowance(len(long)):
        return 0.0
    return fuzz.ratio(x, y) / 100


def _initial_agrees(initial: WordSpellings, word: WordSpellings) -> bool:
    return any(s[:1] in initial.spellings for s in word.spellings)


@dataclass(frozen=True)
class NameComparison:
    score: float
    #: Codes of :data:`REASONS` that explain the score.
    reasons: tuple[str, ...]


def compare_names(first: str, second: str) -> NameComparison:
    """How alike two names are (0-1) and why; dates of birth aside."""
    return _compare(name_spellings(first), name_spellings(second))


def _compare(a: Sequence[WordSpellings], b: Sequence[WordSpellings]) -> NameComparison:
    reasons: list[str] = []
    core_a = [w for w in a if not w.initial and not w.patronymic]
    core_b = [w for w in b if not w.initial and not w.patronymic]
    if not core_a or not core_b:
        return NameComparison(0.0, ())
    # pair the core words best first (greedy over every pair, ties by position)
    pairs = sorted(
        ((word_similarity(x, y), i, k) for i, x in enumerate(core_a) for k, y in enumerate(core_b)),
        key=lambda p: (-p[0], p[1], p[2]),
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    scores: list[float] = []
    paired: list[tuple[int, int]] = []
    for similarity, i, k in pairs:
        if similarity < WORD_PAIRING or i in used_a or k in used_b:
            continue
        used_a.add(i)
        used_b.add(k)
        scores.append(similarity)
        paired.append((i, k))
    if len(scores) < min(2, len(core_a), len(core_b)) or not scores:
        return NameComparison(0.0, ())
    if len(scores) < 2:
        reasons.append(ONE_WORD)
    score = sum(scores) / len(scores)
    if all(s == 1.0 for s in scores):
        reasons.append(SAME_SPELLING)
    else:
        reasons.append(SIMILAR_SPELLING)
    in_their_order = [k for _i, k in sorted(paired)]
    if in_their_order != sorted(in_their_order):
        reasons.append(ORDER_SWAPPED)
    unpaired = max(len(core_a) - len(used_a), len(core_b) - len(used_b))
    score -= UNPAIRED_WORD * unpaired
    if unpaired:
        reasons.append(UNPAIRED)
    score = _patronymics(a, b, score, reasons)
    if len(scores) < 2:
        score = min(score, POSSIBLE_MATCH - 0.05)
    return NameComparison(max(0.0, min(1.0, score)), tuple(reasons))


def _patronymics(
    a: Sequence[WordSpellings], b: Sequence[WordSpellings], score: float, reasons: list[str]
) -> float:
    """The score after the patronymics and initials of both names are compared."""
    extra_a = [w for w in a if w.patronymic or w.initial]
    extra_b = [w for w in b if w.patronymic or w.initial]
    full_a = [w for w in extra_a if w.patronymic]
    full_b = [w for w in extra_b if w.patronymic]
    if full_a and full_b:
        if max(word_similarity(x, y) for x in full_a for y in full_b) >= WORD_PAIRING:
            reasons.append(PATRONYMIC_AGREES)
            return score
        reasons.append(PATRONYMIC_DIFFERS)
        return score - PATRONYMIC_CONFLICT
    if (full_a and not extra_b) or (full_b and not extra_a):
        reasons.append(PATRONYMIC_ABSENT)
        return score
    initials = [w for w in extra_a + extra_b if w.initial]
    words = full_a + full_b
    if initials and words:
        if any(_initial_agrees(i, w) for i in initials for w in words):
            reasons.append(INITIAL_AGREES)
            return score
        reasons.append(PATRONYMIC_DIFFERS)
        return score - PATRONYMIC_CONFLICT
    return score


# --- Dates of birth -----------------------------------------------------------------------


@dataclass(frozen=True)
class BirthDate:
    """A date of birth as lists give it: a full date, a month, or a year alone."""

    year: int
    month: int | None = None
    day: int | None = None

    def agrees(self, other: BirthDate) -> bool:
        """Equal at the precision both give."""
        if self.year != other.year:
            return False
        if self.month is None or other.month is None:
            return True
        if self.month != other.month:
            return False
        return self.day is None or other.day is None or self.day == other.day

    @classmethod
    def of(cls, when: date) -> BirthDate:
        return cls(when.year, when.month, when.day)


_BIRTH_FORMATS = (
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})"), (1, 2, 3)),
    (re.compile(r"(\d{2})\.(\d{2})\.(\d{4})"), (3, 2, 1)),
    (re.compile(r"(\d{2})/(\d{2})/(\d{4})"), (3, 2, 1)),
    (re.compile(r"(\d{4})-(\d{2})"), (1, 2, 0)),
    (re.compile(r"(\d{4})"), (1, 0, 0)),
)


def parse_birth_date(text: str) -> BirthDate:
    """``1961-03-09``, ``09.03.1961``, ``09/03/1961`` (day first), ``1961-03`` or ``1961``;
    anything else is refused with :class:`RejectedInputError`."""
    cleaned = text.strip()
    for pattern, (y, m, d) in _BIRTH_FORMATS:
        found = pattern.fullmatch(cleaned)
        if found is None:
            continue
        year = int(found[y])
        month = int(found[m]) if m else None
        day = int(found[d]) if d else None
        try:
            date(year, month or 1, day or 1)
        except ValueError:
            break
        if 1800 <= year <= 2100:
            return BirthDate(year, month, day)
        break
    raise RejectedInputError(_('"%(text)s" is not a date of birth.', text=text[:40]))


# --- The list -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SanctionsEntry:
    """A listed person: the name and aliases, and the dates of birth the list gives."""

    id: str
    names: tuple[str, ...]
    dates_of_birth: tuple[BirthDate, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class PreparedEntry:
    entry: SanctionsEntry
    spellings: tuple[tuple[WordSpellings, ...], ...]
    #: Every phonetic key and 3-letter start of every word: a screened name must share one.
    keys: frozenset[str]


def _block_keys(words: Iterable[WordSpellings]) -> set[str]:
    keys: set[str] = set()
    for word in words:
        if word.initial or word.patronymic:
            continue
        keys.update(word.phonetic)
        keys.update(s[:3] for s in word.spellings)
    return keys


class SanctionsList:
    """The entries of an imported list, prepared once for screening many people."""

    def __init__(self, entries: Iterable[SanctionsEntry]) -> None:
        prepared = []
        for entry in entries:
            spellings = tuple(name_spellings(name) for name in entry.names)
            keys = frozenset(k for words in spellings for k in _block_keys(words))
            prepared.append(PreparedEntry(entry, spellings, keys))
        self.entries: tuple[PreparedEntry, ...] = tuple(prepared)

    def __len__(self) -> int:
        return len(self.entries)


#: Why a candidate was given its score: code -> label (translate where shown).
SAME_SPELLING = "same-spelling"
SIMILAR_SPELLING = "similar-spelling"
ORDER_SWAPPED = "order-swapped"
UNPAIRED = "unpaired-words"
ONE_WORD = "one-word"
PATRONYMIC_AGREES = "patronymic-agrees"
PATRONYMIC_ABSENT = "patronymic-absent"
PATRONYMIC_DIFFERS = "patronymic-differs"
INITIAL_AGREES = "initial-agrees"
BIRTH_AGREES = "birth-date-agrees"
BIRTH_UNKNOWN = "birth-date-unknown"
ALIAS = "alias"
REASONS = {
    SAME_SPELLING: N_("Every word of the name is spelt the same (once transliterated)."),
    SIMILAR_SPELLING: N_("The words of the name sound alike or are spelt nearly the same."),
    ORDER_SWAPPED: N_("The name is written in another order (surname first or last)."),
    UNPAIRED: N_("One of the names has words the other does not."),
    ONE_WORD: N_("Only one word of the names agrees."),
    PATRONYMIC_AGREES: N_("The patronymics agree."),
    PATRONYMIC_ABSENT: N_("One of the names has no patronymic."),
    PATRONYMIC_DIFFERS: N_("The patronymics (or their initials) differ."),
    INITIAL_AGREES: N_("The initial agrees with the patronymic."),
    BIRTH_AGREES: N_("The dates of birth agree."),
    BIRTH_UNKNOWN: N_("A date of birth is not known on one side: it could not be compared."),
    ALIAS: N_("The name agrees with an alias on the list."),
}


@dataclass(frozen=True)
class ScreenedPerson:
    """The person a grant would pay: the name (any script, any order), other names they
    are known by, and the date of birth when known."""

    name: str
    other_names: tuple[str, ...] = ()
    date_of_birth: date | None = None


@dataclass(frozen=True)
class SanctionsCandidate:
    """A list entry that may be the screened person."""

    entry: SanctionsEntry
    score: float
    #: The entry's name or alias that agreed best.
    matched_name: str
    #: Codes of :data:`REASONS`.
    reasons: tuple[str, ...]

    @property
    def strong(self) -> bool:
        return self.score >= STRONG_MATCH


def screen(
    person: ScreenedPerson,
    sanctions: SanctionsList,
    threshold: float = POSSIBLE_MATCH,
) -> list[SanctionsCandidate]:
    """The entries of ``sanctions`` that may be ``person``, best first (then by the
    entry's id): each name of the person against each name and alias of an entry, the
    best pairing kept; an entry whose dates of birth all disagree with the person's is
    ruled out, whatever its name."""
    ours = [name_spellings(n) for n in (person.name, *person.other_names) if n.strip()]
    our_keys = {k for words in ours for k in _block_keys(words)}
    birth = BirthDate.of(person.date_of_birth) if person.date_of_birth else None
    found: list[SanctionsCandidate] = []
    for prepared in sanctions.entries:
        if not (prepared.keys & our_keys):
            continue
        entry = prepared.entry
        extra: list[str] = []
        if birth is not None and entry.dates_of_birth:
            if not any(birth.agrees(d) for d in entry.dates_of_birth):
                continue
            extra.append(BIRTH_AGREES)
        else:
            extra.append(BIRTH_UNKNOWN)
        best: tuple[float, int, NameComparison] | None = None
        for index, theirs in enumerate(prepared.spellings):
            for words in ours:
                comparison = _compare(words, theirs)
                if best is None or comparison.score > best[0]:
                    best = (comparison.score, index, comparison)
        if best is None:
            continue
        score, index, comparison = best
        if BIRTH_AGREES in extra:
            score = min(1.0, score + BIRTH_DATE_AGREES)
        if score < threshold:
            continue
        reasons = [*comparison.reasons, *extra]
        if index > 0:
            reasons.append(ALIAS)
        found.append(SanctionsCandidate(entry, round(score, 4), entry.names[index], tuple(reasons)))
    found.sort(key=lambda c: (-c.score, c.entry.id))
    return found


def read_sanctions_csv(data: bytes, encoding: str = "auto") -> SanctionsList:
    """A sanctions list from a CSV file: a header row with ``name`` (required), and
    optionally ``aliases`` (several separated by ``;``), ``date_of_birth`` (several
    separated by ``;``; see :func:`parse_birth_date`), ``id`` (the list's own reference;
    the row number when absent) and ``source`` (which list). The delimiter is found, the
    encoding as :func:`civwatch.relief.statements.decode_text` reads it. A row without a
    name or with an unreadable date is refused, naming the row."""
    text = decode_text(data, encoding)
    table = read_csv_table(text, [COLUMN_NAME])
    column = {
        name: table.index.get(name)
        for name in (COLUMN_NAME, COLUMN_ALIASES, COLUMN_BIRTH, COLUMN_ID, COLUMN_SOURCE)
    }

    def cell(row: list[str], name: str) -> str:
        at = column[name]
        return row[at].strip() if at is not None and at < len(row) else ""

    entries: list[SanctionsEntry] = []
    for row_number, row in table.rows:
        name = cell(row, COLUMN_NAME)
        if not name_words(name):
            raise RejectedInputError(_("Row %(row)s has no name.", row=row_number))
        aliases = [a.strip() for a in cell(row, COLUMN_ALIASES).split(";") if name_words(a)]
        try:
            births = tuple(
                parse_birth_date(d) for d in cell(row, COLUMN_BIRTH).split(";") if d.strip()
            )
        except RejectedInputError as err:
            raise RejectedInputError(
                _("Row %(row)s: %(problem)s", row=row_number, problem=err.message)
            ) from err
        entries.append(
            SanctionsEntry(
                id=cell(row, COLUMN_ID) or str(row_number),
                names=(name, *aliases),
                dates_of_birth=births,
                source=cell(row, COLUMN_SOURCE),
            )
        )
        if len(entries) > MAX_LIST_ENTRIES:
            raise RejectedInputError(_("The list has more than %(n)s entries.", n=MAX_LIST_ENTRIES))
    if not entries:
        raise RejectedInputError(_("The sanctions list has no entries."))
    return SanctionsList(entries)
