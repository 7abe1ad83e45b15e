"""Caption similarity that works across Ukrainian, Russian and English, offline.

Text is reduced to a *key*: every word transliterated to Latin (the Ukrainian national
system, or a Russian one for Russian-only letters), folded, and smoothed with the
gazetteer's loose phonetic key (so "Харків", "Харьков" and "Kharkiv" meet); words that
name a common concept of attack reports (hospital, missile, killed...) in any of the three
languages also add a shared concept token. Two keys are compared as vectors of character
trigrams (cosine similarity, 0..1). No model, nothing downloaded.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache

from civwatch.geo.names import fold, latin_variants, loose

_WORD = re.compile(r"[^\W_]+")
#: Word stems (folded; Ukrainian, Russian, English) -> concept token.
_CONCEPTS: dict[str, tuple[str, ...]] = {
    "hospital": (
        "лiкарн",
        "больниц",
        "госпитал",
        "шпитал",
        "клiнiк",
        "клиник",
        "hospital",
        "clinic",
        "медзаклад",
        "пологов",
        "роддом",
        "maternity",
    ),
    "school": ("школ", "school", "лiце", "гiмназ", "гимназ", "унiверс", "университ", "universit"),
    "kindergarten": ("садоч", "садик", "дитсад", "детсад", "kindergarten", "nursery"),
    "residential": (
        "будинк",
        "житлов",
        "жилой",
        "жилом",
        "многоэтаж",
        "багатоповерх",
        "apartment",
        "residential",
        "house",
        "квартир",
    ),
    "missile": (
        "ракет",
        "missile",
        "rocket",
        "iskander",
        "iскандер",
        "искандер",
        "калiбр",
        "калибр",
        "kalibr",
    ),
    "drone": ("дрон", "шахед", "shahed", "drone", "бпла", "uav", "геран", "geran"),
    "shelling": ("обстрiл", "обстрел", "shelling", "artiller", "артил", "град", "grad"),
    "killed": (
        "загину",
        "загибл",
        "погиб",
        "убит",
        "вбит",
        "killed",
        "dead",
        "died",
        "death",
        "смерт",
    ),
    "injured": ("поранен", "ранен", "травмов", "injur", "wounded", "постраждал", "пострадав"),
    "strike": ("удар", "strike", "attack", "атак", "влучан", "попадан", "hit"),
    "children": ("дитин", "дiти", "дiтей", "ребен", "дети", "детей", "child", "kids"),
    "station": ("вокзал", "station", "залiзнич", "железнодор", "railway"),
    "market": ("ринок", "рынок", "market", "магазин", "shop", "супермаркет", "supermarket"),
    "energy": (
        "енерг",
        "энерг",
        "electric",
        "power",
        "тец",
        "тэц",
        "пiдстанц",
        "подстанц",
        "substation",
    ),
    "shelter": ("укритт", "укрыт", "shelter", "бомбосхов", "сховищ"),
    "worship": ("церкв", "церков", "храм", "church", "mosque", "synagog", "собор"),
}
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def _stem_form(word: str) -> str:
    """Folded word with a Latin "i" in Cyrillic text read as the Ukrainian "і"."""
    folded = fold(word)
    return folded.replace("i", "\u0456") if _CYRILLIC.search(folded) else folded


_STEMS: tuple[tuple[str, str], ...] = tuple(
    sorted(
        ((_stem_form(stem), concept) for concept, stems in _CONCEPTS.items() for stem in stems),
        key=lambda pair: -len(pair[0]),
    )
)


@lru_cache(maxsize=65_536)
def _word_key(word: str) -> str:
    variants = latin_variants(word)
    latin = variants[0] if variants else word
    return loose(latin) or latin


def text_key(text: str) -> str:
    """The comparable key of a caption or an incident's title and narrative."""
    words = _WORD.findall(fold(text or ""))
    out: list[str] = []
    concepts: list[str] = []
    for word in words:
        if len(word) < 2:
            continue
        out.append(_word_key(word))
        form = _stem_form(word)
        for stem, concept in _STEMS:
            if form.startswith(stem):
                concepts.append(f"q{concept}q")
                break
    return " ".join([*out, *sorted(set(concepts))])


def trigrams(key: str) -> Counter[str]:
    grams: Counter[str] = Counter()
    for word in key.split():
        padded = f" {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def cosine(a: Counter[str], b: Counter[str]) -> float:
    """Cosine similarity of two trigram vectors (0 when either is empty)."""
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(count * b.get(gram, 0) for gram, count in a.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def similarity(key_a: str, key_b: str) -> float:
    return cosine(trigrams(key_a), trigrams(key_b))
