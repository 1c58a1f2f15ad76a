"""BLAKE3-256 in pure Python, for client-side chunk verification.

Debian ships no BLAKE3 module for Python, and chunk IDs are BLAKE3-256 of
the chunk's bytes. This implementation follows the reference
implementation of the BLAKE3 paper (hash mode, 32-byte output). It is
correct but slow (a few MB/s: see docs/python.md), which is why
``Client.open`` trusts the node's verification over TLS by default and
uses this only with ``verify="client"``.
"""

from __future__ import annotations

import struct

IV = (0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19)
PERM = (2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8)
CHUNK_START, CHUNK_END, PARENT, ROOT = 1, 2, 4, 8
CHUNK_LEN, BLOCK_LEN = 1024, 64
M32 = 0xFFFFFFFF


def _compress(cv, m, counter, block_len, flags):
    s0, s1, s2, s3, s4, s5, s6, s7 = cv
    s8, s9, s10, s11 = IV[0], IV[1], IV[2], IV[3]
    s12, s13, s14, s15 = counter & M32, (counter >> 32) & M32, block_len, flags
    m = list(m)
    for r in range(7):
        m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15 = m
        # columns
        s0 = (s0 + s4 + m0) & M32; s12 ^= s0; s12 = ((s12 >> 16) | (s12 << 16)) & M32
        s8 = (s8 + s12) & M32; s4 ^= s8; s4 = ((s4 >> 12) | (s4 << 20)) & M32
        s0 = (s0 + s4 + m1) & M32; s12 ^= s0; s12 = ((s12 >> 8) | (s12 << 24)) & M32
        s8 = (s8 + s12) & M32; s4 ^= s8; s4 = ((s4 >> 7) | (s4 << 25)) & M32
        s1 = (s1 + s5 + m2) & M32; s13 ^= s1; s13 = ((s13 >> 16) | (s13 << 16)) & M32
        s9 = (s9 + s13) & M32; s5 ^= s9; s5 = ((s5 >> 12) | (s5 << 20)) & M32
        s1 = (s1 + s5 + m3) & M32; s13 ^= s1; s13 = ((s13 >> 8) | (s13 << 24)) & M32
        s9 = (s9 + s13) & M32; s5 ^= s9; s5 = ((s5 >> 7) | (s5 << 25)) & M32
        s2 = (s2 + s6 + m4) & M32; s14 ^= s2; s14 = ((s14 >> 16) | (s14 << 16)) & M32
        s10 = (s10 + s14) & M32; s6 ^= s10; s6 = ((s6 >> 12) | (s6 << 20)) & M32
        s2 = (s2 + s6 + m5) & M32; s14 ^= s2; s14 = ((s14 >> 8) | (s14 << 24)) & M32
        s10 = (s10 + s14) & M32; s6 ^= s10; s6 = ((s6 >> 7) | (s6 << 25)) & M32
        s3 = (s3 + s7 + m6) & M32; s15 ^= s3; s15 = ((s15 >> 16) | (s15 << 16)) & M32
        s11 = (s11 + s15) & M32; s7 ^= s11; s7 = ((s7 >> 12) | (s7 << 20)) & M32
        s3 = (s3 + s7 + m7) & M32; s15 ^= s3; s15 = ((s15 >> 8) | (s15 << 24)) & M32
        s11 = (s11 + s15) & M32; s7 ^= s11; s7 = ((s7 >> 7) | (s7 << 25)) & M32
        # diagonals
        s0 = (s0 + s5 + m8) & M32; s15 ^= s0; s15 = ((s15 >> 16) | (s15 << 16)) & M32
        s10 = (s10 + s15) & M32; s5 ^= s10; s5 = ((s5 >> 12) | (s5 << 20)) & M32
        s0 = (s0 + s5 + m9) & M32; s15 ^= s0; s15 = ((s15 >> 8) | (s15 << 24)) & M32
        s10 = (s10 + s15) & M32; s5 ^= s10; s5 = ((s5 >> 7) | (s5 << 25)) & M32
        s1 = (s1 + s6 + m10) & M32; s12 ^= s1; s12 = ((s12 >> 16) | (s12 << 16)) & M32
        s11 = (s11 + s12) & M32; s6 ^= s11; s6 = ((s6 >> 12) | (s6 << 20)) & M32
        s1 = (s1 + s6 + m11) & M32; s12 ^= s1; s12 = ((s12 >> 8) | (s12 << 24)) & M32
        s11 = (s11 + s12) & M32; s6 ^= s11; s6 = ((s6 >> 7) | (s6 << 25)) & M32
        s2 = (s2 + s7 + m12) & M32; s13 ^= s2; s13 = ((s13 >> 16) | (s13 << 16)) & M32
        s8 = (s8 + s13) & M32; s7 ^= s8; s7 = ((s7 >> 12) | (s7 << 20)) & M32
        s2 = (s2 + s7 + m13) & M32; s13 ^= s2; s13 = ((s13 >> 8) | (s13 << 24)) & M32
        s8 = (s8 + s13) & M32; s7 ^= s8; s7 = ((s7 >> 7) | (s7 << 25)) & M32
        s3 = (s3 + s4 + m14) & M32; s14 ^= s3; s14 = ((s14 >> 16) | (s14 << 16)) & M32
        s9 = (s9 + s14) & M32; s4 ^= s9; s4 = ((s4 >> 12) | (s4 << 20)) & M32
        s3 = (s3 + s4 + m15) & M32; s14 ^= s3; s14 = ((s14 >> 8) | (s14 << 24)) & M32
        s9 = (s9 + s14) & M32; s4 ^= s9; s4 = ((s4 >> 7) | (s4 << 25)) & M32
        if r < 6:
            m = [m[p] for p in PERM]
    return (s0 ^ s8, s1 ^ s9, s2 ^ s10, s3 ^ s11, s4 ^ s12, s5 ^ s13, s6 ^ s14, s7 ^ s15)


def _words(block: bytes):
    if len(block) < BLOCK_LEN:
        block = block + b"\x00" * (BLOCK_LEN - len(block))
    return struct.unpack("<16I", block)


def _chunk(data: bytes, index: int, root: bool):
    """Compresses one chunk; returns its CV, or with root=True the root CV."""
    cv = IV
    n = max(1, (len(data) + BLOCK_LEN - 1) // BLOCK_LEN)
    for b in range(n):
        block = data[b * BLOCK_LEN:(b + 1) * BLOCK_LEN]
        flags = (CHUNK_START if b == 0 else 0) | (CHUNK_END if b == n - 1 else 0)
        if root and b == n - 1:
            flags |= ROOT
        cv = _compress(cv, _words(block), index, len(block), flags)
    return cv


def _parent(left, right, root: bool):
    return _compress(IV, tuple(left) + tuple(right), 0, BLOCK_LEN, PARENT | (ROOT if root else 0))


def blake3(data: bytes) -> bytes:
    """The 32-byte BLAKE3 hash of data."""
    data = bytes(data)
    nchunks = max(1, (len(data) + CHUNK_LEN - 1) // CHUNK_LEN)
    if nchunks == 1:
        return struct.pack("<8I", *_chunk(data, 0, True))
    stack: list = []
    for i in range(nchunks - 1):
        cv = _chunk(data[i * CHUNK_LEN:(i + 1) * CHUNK_LEN], i, False)
        total = i + 1
        while total & 1 == 0:
            cv = _parent(stack.pop(), cv, False)
            total >>= 1
        stack.append(cv)
    cv = _chunk(data[(nchunks - 1) * CHUNK_LEN:], nchunks - 1, False)
    while len(stack) > 1:
        cv = _parent(stack.pop(), cv, False)
    return struct.pack("<8I", *_parent(stack.pop(), cv, True))


def hexdigest(data: bytes) -> str:
    """Lowercase hex BLAKE3-256 of data (a chunk ID)."""
    return blake3(data).hex()
