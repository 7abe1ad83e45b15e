"""Metadata extraction engine: what a photo, video or document says about itself.

Knows nothing of evidence items; the evidence domain stores what it returns.
"""

from civwatch.media.extract import Extraction, MetadataExtractor
from civwatch.media.inspect import safe_image_size, structural_warnings
from civwatch.media.location import parse_iso6709
from civwatch.media.normalise import NORMALISED_KEYS
from civwatch.media.sniff import name_mismatch_warning, sniff_media_type

__all__ = [
    "NORMALISED_KEYS",
    "Extraction",
    "MetadataExtractor",
    "name_mismatch_warning",
    "parse_iso6709",
    "safe_image_size",
    "sniff_media_type",
    "structural_warnings",
]
