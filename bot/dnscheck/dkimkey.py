"""Reading a DKIM public key's type and size from its base64 DER (no crypto library needed)."""

from __future__ import annotations

import base64
import binascii

RSA_OID = bytes.fromhex("2a864886f70d010101")
ED25519_OID = bytes.fromhex("2b6570")


def _read(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the DER element at pos."""
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4:
            raise ValueError("bad DER length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > len(data):
        raise ValueError("truncated DER")
    return tag, pos, pos + length


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    out = []
    pos = start
    while pos < end:
        tag, s, e = _read(data, pos)
        out.append((tag, s, e))
        pos = e
    return out


def _rsa_bits(data: bytes, start: int, end: int) -> int:
    """Bits of the modulus in an RSAPublicKey SEQUENCE { n, e }."""
    items = _children(data, start, end)
    if len(items) < 2 or items[0][0] != 0x02:
        raise ValueError("not an RSA public key")
    modulus = data[items[0][1] : items[0][2]].lstrip(b"\x00")
    return len(modulus) * 8 - (8 - modulus[0].bit_length()) if modulus else 0


def key_info(p_value: str, k_value: str = "rsa") -> tuple[str, int]:
    """(key type, size in bits) of a DKIM p= value; raises ValueError if it cannot be read."""
    text = "".join(p_value.split())
    try:
        der = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("p= is not valid base64") from None
    if k_value.lower() == "ed25519":
        if len(der) != 32:
            raise ValueError(f"ed25519 key must be 32 bytes, got {len(der)}")
        return "ed25519", 256
    try:
        tag, start, end = _read(der, 0)
        if tag != 0x30:
            raise ValueError("not a DER SEQUENCE")
        items = _children(der, start, end)
        if items and items[0][0] == 0x30 and len(items) == 2 and items[1][0] == 0x03:
            algo = _children(der, items[0][1], items[0][2])
            oid = der[algo[0][1] : algo[0][2]] if algo else b""
            if oid == ED25519_OID:
                return "ed25519", 256
            if oid != RSA_OID:
                raise ValueError("unknown key algorithm")
            bits_start = items[1][1] + 1  # skip the unused-bits byte
            _, s, e = _read(der, bits_start)
            return "rsa", _rsa_bits(der, s, e)
        return "rsa", _rsa_bits(der, start, end)  # bare PKCS#1 RSAPublicKey
    except IndexError:
        raise ValueError("key data is truncated") from None
