"""Bytes to text: UTF-8 first, then the encodings old Persian sites and Windows tools use."""
from __future__ import annotations

import codecs
from typing import NamedTuple

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


class DecodeError(ValueError):
    pass


class Decoded(NamedTuple):
    text: str
    encoding: str
    warning: str | None = None  # what decoding had to repair, for the article's warnings


# UTF-8 explains a file with some broken bytes when its well-formed non-ASCII characters outnumber the broken
# bytes this many times (one stray byte in a Persian article), or when the broken bytes are fewer than one in
# RARE_BROKEN_BYTES of a file that reads as nothing else (a stray byte in Latin-script text).
UTF8_MAJORITY = 20
RARE_BROKEN_BYTES = 100


def _looks_like_utf16_without_bom(data: bytes) -> str | None:
    # Persian in UTF-16 has a 0x06 high byte on most letters and 0x00 on spaces/digits.
    sample = data[:4000]
    if len(sample) < 4:
        return None
    odd, even = sample[1::2], sample[0::2]
    if odd.count(0) + odd.count(6) > 0.6 * len(odd):
        return "utf-16-le"
    if even.count(0) + even.count(6) > 0.6 * len(even):
        return "utf-16-be"
    return None


def _arabic_script_share(text: str) -> float:
    letters = [c for c in text[:5000] if c.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if "\u0600" <= c <= "\u06ff" or "\ufb50" <= c <= "\ufeff") / len(letters)


def decode_bytes(data: bytes) -> Decoded:
    """(text, encoding, warning) or DecodeError with a reason a person can act on."""
    decoded = _decode(data)
    if not decoded.text.strip():
        # a byte-order mark or non-ASCII spaces alone: bytes.strip() does not see them as empty
        raise DecodeError("empty file (only white space)")
    return decoded


def _utf8_with_replacement(data: bytes) -> tuple[str, int, int]:
    """(text with U+FFFD for broken bytes, broken byte runs, well-formed non-ASCII characters)."""
    text = data.decode("utf-8", errors="replace")
    written_fffd = data.count("\ufffd".encode())  # a U+FFFD the file itself holds is not a broken byte
    broken = text.count("\ufffd") - written_fffd
    wellformed = sum(1 for c in text if c > "\x7f") - broken - written_fffd
    return text, broken, wellformed


def _decode(data: bytes) -> Decoded:
    if not data.strip():
        raise DecodeError("empty file")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(enc), enc)
            except UnicodeDecodeError as exc:
                raise DecodeError(f"broken {enc} text after its byte-order mark: {exc.reason} at byte {exc.start}") from None
    utf16 = _looks_like_utf16_without_bom(data)
    if utf16:
        try:
            return Decoded(data.decode(utf16), utf16)
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:8000]:
        raise DecodeError("binary file (NUL bytes), not text")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = f"{exc.reason} at byte {exc.start}"
    repaired, broken, wellformed = _utf8_with_replacement(data)
    note = f"{broken} byte(s) that are not UTF-8 replaced by U+FFFD (first {utf8_error})"
    if broken * UTF8_MAJORITY <= wellformed:
        return Decoded(repaired, "utf-8", note)
    # Windows-1256 maps every byte, so only trust it when the result reads as Arabic-script text.
    text = data.decode("cp1256", errors="replace")
    if _arabic_script_share(text) >= 0.5:
        return Decoded(text, "cp1256")
    controls = sum(1 for b in data[:8000] if b < 9 or 13 < b < 32)
    if controls > 0.05 * min(len(data), 8000):
        raise DecodeError("binary file, not text")
    if broken * RARE_BROKEN_BYTES <= len(data):
        return Decoded(repaired, "utf-8", note)
    raise DecodeError(f"not UTF-8 ({utf8_error}) and not Windows-1256 Persian text")
