"""Argon2id (RFC 9106, version 0x13) and XChaCha20-Poly1305
(draft-irtf-cfrg-xchacha, RFC 8439) in pure Python, for verify.py.

Written from the RFCs, not from lawtrail's code. Slow: meant for the small
parameters of the test vectors, not for real key files.
"""

import hashlib
import hmac
import struct

M64 = (1 << 64) - 1


def _le32(n):
    return struct.pack("<I", n)


def _blake2b_long(out_len, data):
    """H' of RFC 9106 section 3.3."""
    data = _le32(out_len) + data
    if out_len <= 64:
        return hashlib.blake2b(data, digest_size=out_len).digest()
    r = (out_len + 31) // 32 - 2
    v = hashlib.blake2b(data).digest()
    out = v[:32]
    for _ in range(r - 1):
        v = hashlib.blake2b(v).digest()
        out += v[:32]
    v = hashlib.blake2b(v, digest_size=out_len - 32 * r).digest()
    return out + v


def _rotr(x, n):
    return ((x >> n) | (x << (64 - n))) & M64


def _gb(v, a, b, c, d):
    def fma(x, y):
        return (x + y + 2 * (x & 0xFFFFFFFF) * (y & 0xFFFFFFFF)) & M64

    v[a] = fma(v[a], v[b])
    v[d] = _rotr(v[d] ^ v[a], 32)
    v[c] = fma(v[c], v[d])
    v[b] = _rotr(v[b] ^ v[c], 24)
    v[a] = fma(v[a], v[b])
    v[d] = _rotr(v[d] ^ v[a], 16)
    v[c] = fma(v[c], v[d])
    v[b] = _rotr(v[b] ^ v[c], 63)


def _permute(v):
    """P of RFC 9106 section 3.6 on 16 64-bit words."""
    _gb(v, 0, 4, 8, 12)
    _gb(v, 1, 5, 9, 13)
    _gb(v, 2, 6, 10, 14)
    _gb(v, 3, 7, 11, 15)
    _gb(v, 0, 5, 10, 15)
    _gb(v, 1, 6, 11, 12)
    _gb(v, 2, 7, 8, 13)
    _gb(v, 3, 4, 9, 14)


def _compress(x, y):
    """G of RFC 9106 section 3.5 on blocks of 128 64-bit words."""
    r = [a ^ b for a, b in zip(x, y)]
    q = list(r)
    for row in range(8):  # rows: 8 registers of 16 bytes = 16 words each
        idx = list(range(16 * row, 16 * row + 16))
        v = [q[i] for i in idx]
        _permute(v)
        for i, w in zip(idx, v):
            q[i] = w
    for col in range(8):  # columns: register col of every row
        idx = []
        for row in range(8):
            idx += [16 * row + 2 * col, 16 * row + 2 * col + 1]
        v = [q[i] for i in idx]
        _permute(v)
        for i, w in zip(idx, v):
            q[i] = w
    return [a ^ b for a, b in zip(q, r)]


def _block(b):
    return list(struct.unpack("<128Q", b))


def argon2id(password, salt, time_cost, memory_kib, lanes, tag_len, secret=b"", ad=b""):
    h0 = hashlib.blake2b(
        _le32(lanes) + _le32(tag_len) + _le32(memory_kib) + _le32(time_cost) + _le32(0x13) + _le32(2)
        + _le32(len(password)) + password + _le32(len(salt)) + salt
        + _le32(len(secret)) + secret + _le32(len(ad)) + ad
    ).digest()
    m = 4 * lanes * (memory_kib // (4 * lanes))
    q = m // lanes
    seg = q // 4
    mem = [[0] * 128 for _ in range(m)]
    for lane in range(lanes):
        mem[lane * q] = _block(_blake2b_long(1024, h0 + _le32(0) + _le32(lane)))
        mem[lane * q + 1] = _block(_blake2b_long(1024, h0 + _le32(1) + _le32(lane)))
    zero = [0] * 128
    for p in range(time_cost):
        for sl in range(4):
            for lane in range(lanes):
                independent = p == 0 and sl < 2
                addresses, counter = None, 0
                start = 2 if (p == 0 and sl == 0) else 0
                for idx in range(start, seg):
                    cur = lane * q + sl * seg + idx
                    prev = cur - 1 if (sl * seg + idx) > 0 else lane * q + q - 1
                    if independent:
                        if addresses is None or idx % 128 == 0:
                            counter += 1
                            z = [p, lane, sl, m, time_cost, 2, counter] + [0] * 121
                            addresses = _compress(zero, _compress(zero, z))
                        rnd = addresses[idx % 128]
                    else:
                        rnd = mem[prev][0]
                    j1, j2 = rnd & 0xFFFFFFFF, rnd >> 32
                    ref_lane = lane if (p == 0 and sl == 0) else j2 % lanes
                    # the blocks the reference may fall in (RFC 9106 section 3.4.1.2)
                    if p == 0:
                        if ref_lane == lane:
                            area = sl * seg + idx - 1
                        else:
                            area = sl * seg - (1 if idx == 0 else 0)
                        begin = 0
                    else:
                        if ref_lane == lane:
                            area = q - seg + idx - 1
                        else:
                            area = q - seg - (1 if idx == 0 else 0)
                        begin = ((sl + 1) % 4) * seg
                    x = (j1 * j1) >> 32
                    y = (area * x) >> 32
                    z_ = area - 1 - y
                    ref = ref_lane * q + (begin + z_) % q
                    new = _compress(mem[prev], mem[ref])
                    if p > 0:
                        new = [a ^ b for a, b in zip(new, mem[cur])]
                    mem[cur] = new
    final = mem[q - 1]
    for lane in range(1, lanes):
        final = [a ^ b for a, b in zip(final, mem[lane * q + q - 1])]
    return _blake2b_long(tag_len, struct.pack("<128Q", *final))


# ChaCha20 and Poly1305 (RFC 8439), HChaCha20 (draft-irtf-cfrg-xchacha).

M32 = 0xFFFFFFFF


def _quarter(s, a, b, c, d):
    s[a] = (s[a] + s[b]) & M32; s[d] ^= s[a]; s[d] = ((s[d] << 16) | (s[d] >> 16)) & M32
    s[c] = (s[c] + s[d]) & M32; s[b] ^= s[c]; s[b] = ((s[b] << 12) | (s[b] >> 20)) & M32
    s[a] = (s[a] + s[b]) & M32; s[d] ^= s[a]; s[d] = ((s[d] << 8) | (s[d] >> 24)) & M32
    s[c] = (s[c] + s[d]) & M32; s[b] ^= s[c]; s[b] = ((s[b] << 7) | (s[b] >> 25)) & M32


def _rounds(s):
    for _ in range(10):
        _quarter(s, 0, 4, 8, 12); _quarter(s, 1, 5, 9, 13); _quarter(s, 2, 6, 10, 14); _quarter(s, 3, 7, 11, 15)
        _quarter(s, 0, 5, 10, 15); _quarter(s, 1, 6, 11, 12); _quarter(s, 2, 7, 8, 13); _quarter(s, 3, 4, 9, 14)


_SIGMA = list(struct.unpack("<4I", b"expand 32-byte k"))


def _chacha_block(key, counter, nonce):
    init = _SIGMA + list(struct.unpack("<8I", key)) + [counter] + list(struct.unpack("<3I", nonce))
    s = list(init)
    _rounds(s)
    return struct.pack("<16I", *[(a + b) & M32 for a, b in zip(s, init)])


def _chacha20(key, counter, nonce, data):
    out = bytearray()
    for i in range(0, len(data), 64):
        ks = _chacha_block(key, counter + i // 64, nonce)
        out += bytes(a ^ b for a, b in zip(data[i:i + 64], ks))
    return bytes(out)


def _hchacha20(key, nonce16):
    s = _SIGMA + list(struct.unpack("<8I", key)) + list(struct.unpack("<4I", nonce16))
    _rounds(s)
    return struct.pack("<8I", *(s[0:4] + s[12:16]))


def _poly1305(key, msg):
    r = int.from_bytes(key[:16], "little") & 0x0FFFFFFC0FFFFFFC0FFFFFFC0FFFFFFF
    s = int.from_bytes(key[16:], "little")
    p = (1 << 130) - 5
    acc = 0
    for i in range(0, len(msg), 16):
        n = int.from_bytes(msg[i:i + 16] + b"\x01", "little")
        acc = ((acc + n) * r) % p
    return ((acc + s) & ((1 << 128) - 1)).to_bytes(16, "little")


def _pad16(b):
    return b"\x00" * (-len(b) % 16)


def xchacha20poly1305_open(key, nonce, sealed, ad):
    """Returns the plaintext, or None when the tag does not verify."""
    if len(key) != 32 or len(nonce) != 24 or len(sealed) < 16:
        return None
    subkey = _hchacha20(key, nonce[:16])
    n12 = b"\x00" * 4 + nonce[16:]
    ct, tag = sealed[:-16], sealed[-16:]
    otk = _chacha_block(subkey, 0, n12)[:32]
    mac_data = ad + _pad16(ad) + ct + _pad16(ct) + struct.pack("<QQ", len(ad), len(ct))
    if not hmac.compare_digest(_poly1305(otk, mac_data), tag):
        return None
    return _chacha20(subkey, 1, n12, ct)
