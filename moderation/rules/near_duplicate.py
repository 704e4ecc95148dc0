"""Near-duplicate detection: MinHash signatures of word 5-shingles, LSH band keys to
find candidates, and a rule that compares a post with its candidates.

The signature is a one-permutation MinHash with optimal densification (Shrivastava,
ICML 2017): every shingle is hashed once, the 30-bit hash range is cut into
`num_perm` equal bins, and each bin keeps its smallest hash; an empty bin borrows the
value of the first non-empty bin along a fixed pseudo-random probe sequence. The share
of positions where two signatures agree estimates the Jaccard similarity of their
shingle sets, as with classic MinHash, for one hash per shingle instead of `num_perm`
(in pure Python, 64 hashes per shingle would cost a 10,000-word post about 200 ms).

Hashing is deterministic across processes and versions (BLAKE2b, no Python hash()):
a shingle's hash is the simple tabulation hash of its five words, each word hashed
once per position. Signatures, and the band keys made from them, can be stored.

Words are the match keys of forum.core.lookalikes, so case, accents, look-alike letters
and leetspeak do not hide a copy.
"""

from __future__ import annotations

import hashlib
import sys
from array import array
from bisect import bisect_left
from collections.abc import Sequence
from functools import cache
from typing import Any, Final

from forum.core.lookalikes import normalize_for_matching
from moderation.content import PostContent
from moderation.rules.base import CheckContext, Hit, RuleKind, register
from moderation.rules.params import Integer, Number

__all__ = (
    "BANDS",
    "NUM_PERM",
    "SHINGLE_WORDS",
    "CompiledNearDuplicate",
    "NearDuplicate",
    "content_signature",
    "estimated_similarity",
    "lsh_band_keys",
    "minhash_signature",
    "signature_of_words",
)

NUM_PERM: Final = 64
BANDS: Final = 16
SHINGLE_WORDS: Final = 5
MAX_HITS: Final = 5

_HASH_BITS: Final = 30
_LANE_BITS: Final = 32
_PIECE: Final = _LANE_BITS // 8
_LANE_MASK: Final = ((1 << _HASH_BITS) - 1).to_bytes(_PIECE, "little")


class _WordHashes(dict[str, bytes]):
    """Word → one 32-bit hash per position in a shingle (BLAKE2b), remembered: a forum's
    vocabulary repeats from post to post, so this mostly hits."""

    limit = 200_000

    def __missing__(self, word: str) -> bytes:
        if len(self) >= self.limit:
            self.clear()
        digest = hashlib.blake2b(
            word.encode("utf-8", "surrogatepass"),
            digest_size=_PIECE * SHINGLE_WORDS,
            person=b"parley-shingle",
        ).digest()
        self[word] = digest
        return digest


_WORD_HASHES: Final = _WordHashes()
_PADDING: Final = bytes(_PIECE * SHINGLE_WORDS)


def _shingle_hashes(words: Sequence[str]) -> list[int]:
    """The 30-bit hash of every run of SHINGLE_WORDS words (one run for shorter texts).

    Simple tabulation hashing over words: a shingle's hash is the XOR of its words'
    position-specific hashes. It is computed for all shingles at once by laying each
    position's word hashes side by side in one big integer and XOR-ing the five
    integers, shifted by one word per position. 30 bits rather than 32 because CPython
    sorts one-digit integers markedly faster.
    """
    count = max(len(words), SHINGLE_WORDS)
    table = b"".join(map(_WORD_HASHES.__getitem__, words))
    table += _PADDING * (count - len(words))
    columns = memoryview(table).cast("I")
    combined = 0
    for position in range(SHINGLE_WORDS):
        column = int.from_bytes(columns[position::SHINGLE_WORDS].tobytes(), "little")
        combined ^= column >> (_LANE_BITS * position)
    combined &= int.from_bytes(_LANE_MASK * count, "little")
    hashes = array("I", combined.to_bytes(_PIECE * count, "little"))
    if sys.byteorder != "little":
        # The lanes were laid out little-endian; signatures must not depend on the CPU.
        hashes.byteswap()
    return hashes[: count - SHINGLE_WORDS + 1].tolist()


def _probe_key(position: int, other: int) -> bytes:
    return hashlib.blake2b(f"{position}:{other}".encode(), digest_size=8).digest()


@cache
def _probe_orders(num_perm: int) -> tuple[tuple[int, ...], ...]:
    """For each bin, the other bins in a fixed pseudo-random order (densification)."""
    orders = []
    for position in range(num_perm):
        others = [other for other in range(num_perm) if other != position]
        orders.append(tuple(sorted(others, key=lambda other: _probe_key(position, other))))
    return tuple(orders)


def signature_of_words(words: Sequence[str], num_perm: int = NUM_PERM) -> tuple[int, ...]:
    """The MinHash signature of a sequence of match keys; () when there are no words."""
    if num_perm < 1:
        raise ValueError("num_perm must be at least 1")
    if not words:
        return ()
    hashes = sorted(_shingle_hashes(words))
    width = (1 << _HASH_BITS) / num_perm
    bins: list[int | None] = []
    for position in range(num_perm):
        at = bisect_left(hashes, position * width)
        found = at < len(hashes) and hashes[at] < (position + 1) * width
        bins.append(int(hashes[at]) if found else None)
    if None in bins:
        orders = _probe_orders(num_perm)
        filled = list(bins)
        for position, value in enumerate(bins):
            if value is None:
                filled[position] = next(
                    bins[other] for other in orders[position] if bins[other] is not None
                )
        bins = filled
    return tuple(bins)  # type: ignore[arg-type]


def minhash_signature(text: str, num_perm: int = NUM_PERM) -> tuple[int, ...]:
    """The MinHash signature of `text` (normalised first); () when it has no words.

    For a post, `content_signature` gives the same value without normalising again.
    """
    return signature_of_words(normalize_for_matching(text).words, num_perm)


def content_signature(content: PostContent, num_perm: int = NUM_PERM) -> tuple[int, ...]:
    """`minhash_signature(content.text)`, computed once per post from its paragraphs'
    already normalised words."""
    return content.cached(
        f"near_duplicate.signature.{num_perm}", lambda: signature_of_words(content.words, num_perm)
    )


def lsh_band_keys(signature: Sequence[int], bands: int = BANDS) -> tuple[str, ...]:
    """One key per band of rows ("07:1f2e3d4c5b6a7980", at most 19 characters).

    Two posts whose signatures agree on every row of some band share that band's key;
    with 64 values in 16 bands of 4, posts of Jaccard similarity 0.8 share a key with
    probability 0.9998, and posts of similarity 0.3 with probability 0.12.
    """
    if not signature:
        return ()
    if len(signature) % bands:
        raise ValueError(
            f"a signature of {len(signature)} values does not split into {bands} bands"
        )
    rows = len(signature) // bands
    keys = []
    for band in range(bands):
        values = b"".join(
            value.to_bytes(4, "little") for value in signature[band * rows : (band + 1) * rows]
        )
        digest = hashlib.blake2b(values, digest_size=8).hexdigest()
        keys.append(f"{band:02d}:{digest}")
    return tuple(keys)


def estimated_similarity(a: Sequence[int], b: Sequence[int]) -> float:
    """The estimated Jaccard similarity (0..1) of the shingle sets behind two signatures
    of the same length; 0.0 when either is empty."""
    if not a or not b:
        return 0.0
    if len(a) != len(b):
        raise ValueError(f"signatures of different lengths ({len(a)} and {len(b)})")
    return sum(1 for x, y in zip(a, b, strict=True) if x == y) / len(a)


class CompiledNearDuplicate:
    """A compiled near-duplicate rule (post scope)."""

    def __init__(self, *, threshold: float, min_words: int) -> None:
        self._threshold = threshold
        self._min_words = min_words

    def check_post(self, content: PostContent, context: CheckContext) -> list[Hit]:
        """A hit per candidate at or above the threshold (the closest few), scored by
        the estimated similarity; nothing for posts shorter than min_words."""
        if len(content.words) < self._min_words or not context.similar_candidates:
            return []
        similar = []
        for post_id, candidate in context.similar_candidates:
            if not candidate:
                continue
            signature = content_signature(content, len(candidate))
            similarity = estimated_similarity(signature, candidate)
            if similarity >= self._threshold:
                similar.append((similarity, post_id))
        similar.sort(key=lambda pair: (-pair[0], pair[1]))
        return [
            Hit(
                score=similarity,
                detail=f"near-duplicate of post {post_id} (estimated similarity {similarity:.2f})",
            )
            for similarity, post_id in similar[:MAX_HITS]
        ]


class NearDuplicate(RuleKind):
    name = "near_duplicate"
    label = "Near-duplicate of a recent post"
    told_as = "repeated content"
    scope = "post"
    params_schema_help = (
        "threshold: estimated share of shared 5-word shingles (0-1) that counts as a copy; "
        'min_words: shorter posts are not compared; e.g. {"threshold": 0.8, "min_words": 30}'
    )

    parameters = (
        Number(
            "threshold",
            "Similarity threshold",
            help="The estimated share of shared 5-word shingles (0-1) that counts as a copy.",
            default=0.8,
            minimum=0.05,
            maximum=1.0,
        ),
        Integer(
            "min_words",
            "Shortest post compared (words)",
            default=30,
            minimum=1,
            maximum=100_000,
        ),
    )

    def _compile(self, params: dict[str, Any]) -> CompiledNearDuplicate:
        return CompiledNearDuplicate(**params)


register(NearDuplicate())
