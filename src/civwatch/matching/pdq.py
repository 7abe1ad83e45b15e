"""PDQ perceptual hashes (256 bits plus a 0-100 quality) and their dihedral variants.

Hashing is done by ``pdqhash``, bindings to the C++ reference implementation; the test
``tests/matching/test_pdq_conformance.py`` checks it against the reference hashes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pdqhash
from numpy.typing import NDArray

from civwatch.errors import RejectedInputError, UnhashableMediaError
from civwatch.i18n import _
from civwatch.matching.decoding import DEFAULT_MAX_PIXELS, ImageSource, RGBArray, load_rgb

PDQ_ALGORITHM: Final = "pdq"
#: Version of the hashing (algorithm and our decoding rules); stored beside each hash.
PDQ_VERSION: Final = "1"
#: Hashes of lower quality are kept but never declare a match on their own.
MIN_MATCH_QUALITY: Final = 50
#: Usual PDQ match threshold (Hamming distance, inclusive).
DEFAULT_MAX_DISTANCE: Final = 31
HASH_BYTES: Final = 32

#: Names of the eight dihedral transforms, in the order PDQ produces them.
DIHEDRAL_TRANSFORMS: Final = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flipx",
    "flipy",
    "flip_plus1",
    "flip_minus1",
)


@dataclass(frozen=True, slots=True)
class PdqHash:
    """A PDQ hash: 32 bytes, most significant bit first (as in the reference hex form)."""

    bits: bytes
    quality: int
    algorithm: str = PDQ_ALGORITHM
    version: str = PDQ_VERSION

    def __post_init__(self) -> None:
        if len(self.bits) != HASH_BYTES:
            raise RejectedInputError(
                _("A PDQ hash has 32 bytes, not %(length)s.", length=len(self.bits))
            )
        if not 0 <= self.quality <= 100:
            raise RejectedInputError(
                _("PDQ quality must be 0-100, not %(quality)s.", quality=self.quality)
            )

    @property
    def hex(self) -> str:
        """The 64-character lower-case hex form used by the PDQ references."""
        return self.bits.hex()

    @property
    def strong(self) -> bool:
        """True when the quality is high enough for the hash to declare a match alone."""
        return self.quality >= MIN_MATCH_QUALITY

    @classmethod
    def from_hex(cls, text: str, quality: int) -> PdqHash:
        """Parse the 64-character hex form."""
        try:
            bits = bytes.fromhex(text.strip())
        except ValueError as err:
            raise RejectedInputError(
                _("%(text)s is not a hexadecimal PDQ hash.", text=repr(text))
            ) from err
        return cls(bits=bits, quality=quality)


def hamming(a: PdqHash | bytes, b: PdqHash | bytes) -> int:
    """Number of differing bits between two hashes."""
    a_bits = a.bits if isinstance(a, PdqHash) else a
    b_bits = b.bits if isinstance(b, PdqHash) else b
    if len(a_bits) != len(b_bits):
        raise RejectedInputError(_("Only hashes of the same length can be compared."))
    return (int.from_bytes(a_bits, "big") ^ int.from_bytes(b_bits, "big")).bit_count()


def pdq_hash(
    source: ImageSource,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    reduced_decode: bool = True,
) -> PdqHash:
    """PDQ hash of an image file, Pillow image or RGB array.

    Raises ``UnhashableMediaError`` (with the reason to record) for undecodable, tiny,
    oversized or blank images.
    """
    rgb = load_rgb(source, max_pixels=max_pixels, reduced_decode=reduced_decode)
    return pdq_from_rgb(rgb)


def pdq_from_rgb(rgb: RGBArray) -> PdqHash:
    """PDQ hash of an already decoded ``(h, w, 3)`` uint8 array."""
    _reject_blank(rgb)
    vector, quality = pdqhash.compute(rgb)
    return PdqHash(bits=_pack(vector), quality=int(quality))


def dihedral_hashes(
    source: ImageSource,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    reduced_decode: bool = True,
) -> list[tuple[str, PdqHash]]:
    """The PDQ hashes of the eight rotations/mirrorings of an image, ``original`` first.

    Each is the hash the image would have after that transform, so a rotated or mirrored
    copy of the image hashes close to one of them.
    """
    rgb = load_rgb(source, max_pixels=max_pixels, reduced_decode=reduced_decode)
    return dihedral_from_rgb(rgb)


def dihedral_from_rgb(rgb: RGBArray) -> list[tuple[str, PdqHash]]:
    """Dihedral variants of an already decoded ``(h, w, 3)`` uint8 array."""
    _reject_blank(rgb)
    vectors, quality = pdqhash.compute_dihedral(rgb)
    return [
        (name, PdqHash(bits=_pack(vector), quality=int(quality)))
        for name, vector in zip(DIHEDRAL_TRANSFORMS, vectors, strict=True)
    ]


def _pack(vector: NDArray[Any]) -> bytes:
    return np.packbits(np.asarray(vector, dtype=np.uint8)).tobytes()


def _reject_blank(rgb: RGBArray) -> None:
    flat = rgb.reshape(-1, 3)
    if bool((flat == flat[0]).all()):
        raise UnhashableMediaError(
            _("The image is a single uniform colour; it has no perceptual hash.")
        )
