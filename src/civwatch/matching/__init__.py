"""Near-duplicate matching engine: PDQ/vPDQ hashes, an exact Hamming index, copy checks.

Knows nothing of evidence items: it deals in image/video paths or pixels, hashes, and the
caller's integer ids.

- ``pdq``: ``PdqHash``, ``pdq_hash``, ``dihedral_hashes``, ``hamming``
- ``video``: ``video_frame_hashes`` (vPDQ at 1 fps), ``video_match``
- ``index``: ``HashIndex`` (exact range search, atomic save/load with a stamp)
- ``features``: ``describe`` (region hashes + local features), ``is_copy``
"""

from civwatch.matching.index import HashIndex, IndexStamp
from civwatch.matching.pdq import PdqHash, dihedral_hashes, hamming, pdq_hash

__all__ = ["HashIndex", "IndexStamp", "PdqHash", "dihedral_hashes", "hamming", "pdq_hash"]
