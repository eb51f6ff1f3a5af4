"""Text normalisation shared by knowledge patterns and bounce text, so both sides compare alike."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from bot.engine.contains import any_in
from bot.engine.lazyre import lazy

# Placeholders that knowledge patterns may use; bounce text is rewritten to the same tokens.
PLACEHOLDERS = ("{domain}", "{ip}", "{email}", "{n}", "{text}")

_COMMON_TLDS = (
    "com|net|org|edu|gov|mil|int|info|biz|name|pro|mobi|asia|xyz|online|site|top|club|shop|"
    "app|dev|cloud|email|mail|tech|store|blog|live|life|world|group|agency|services|company|"
    "systems|network|digital|media|news|global|local|lan|internal|arpa|example|invalid|test|"
    "localhost|onmicrosoft|center|solutions|support|space|website|studio|design|works|tools|team|"
    "ltd|host|hosting|zone|today|academy|school|health|law|finance|travel|art|photo|games|"
    "social|chat|link|click|[a-z]{2}"
)
_EMAIL = lazy(r"[\w.+'=-]{1,64}@(?:[\w-]{1,63}\.){1,8}[\w-]{1,63}")
_LOCAL_PART_MAX = 64
"""The longest local part _EMAIL takes (its `{1,64}`)."""
_IPV4 = lazy(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]*\w)")
# Addresses masked in documentation and pasted logs: x.x.x.x, xxx.xxx.xxx.xxx, nnn.nnn.nnn.nnn,
# 1.2.3.x, 37.x.y.z, a.b.c.d, 2***.***.***.*** (every group a number, a mask or one letter).
_MASK_GROUP = r"(?:\d{1,3}|x{1,3}|n{1,3}|\d{0,3}\*{1,3}|[a-z])"
_MASKED_IPV4 = lazy(
    rf"(?<![\w.*])(?=[\d.*]*[a-z*])(?:{_MASK_GROUP}\.){{3}}{_MASK_GROUP}(?![\w.*]*\w)"
)
_ADDRESS_DOTS = lazy(r"\.[\w*]{1,6}\.[\w*]{1,6}\.")
"""What every match of _IPV4 and _MASKED_IPV4 holds from its first dot on (its two middle groups
between dots): a search for it, which skips from dot to dot, is quicker than theirs, which try
every position."""
_IPV4_REACH = 3
_MASKED_REACH = 6
"""How far into a match of _IPV4 (a number) and _MASKED_IPV4 (up to "123***") its first dot is."""
# Addresses redacted by whoever pasted the bounce: "Client host [redacted]", "RCPT TO:<hidden>".
_REDACTED_IP = lazy(r"[\[(](?:redacted|removed|hidden|masked|anonymi[sz]ed|ip)[\])]")
_REDACTED_EMAIL = lazy(r"<(?:redacted|removed|hidden|masked|anonymi[sz]ed|email)>")
_REDACTION_CUES = ("redact", "removed", "hidden", "masked", "anonymi", "ip]", "ip)", "email>")
"""Lower-case substrings every redaction above holds: without one, neither pass runs."""
_IPV6 = lazy(
    r"(?<![\w:])(?:(?:[0-9a-f]{1,4}:){3,7}[0-9a-f]{1,4}|(?:[0-9a-f]{1,4}:){1,7}:"
    r"(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?|::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6}))(?![\w:])"
)
_IPV6_COLONS = lazy(r":(?::|(?<=[0-9a-f]:)[0-9a-f])")
"""What every match of _IPV6 holds at its first colon: "::", or two hex digits around a colon
(not "said: 550")."""
_IPV6_REACH = 4
"""How far into a match of _IPV6 its first colon is (after a group of four hex digits)."""
_DOMAIN = lazy(
    rf"(?<![\w.-])(?=[a-z0-9-]{{1,63}}+\.)(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+"
    rf"(?:{_COMMON_TLDS})(?![\w-])"
)
"""A host name with a common top-level domain. The lookahead changes no match: the first label
and its dot are what it finds (letters, digits and hyphens up to the dot), only it gives up at
once on a word not followed by a dot, where the label's pattern would try each shorter length."""
_DOMAIN_REACH = 63
"""How far into a match of _DOMAIN its first dot is (after a label of up to 63 characters)."""
URL = lazy(r"\b(?:https?|ftp)://\S+")
_URL_REACH = 5
"""How far into a match of URL its "://" is (after "https")."""
# The seed (and provider docs) write placeholders as plain words.
_DOC_PLACEHOLDERS = lazy(r"\b(?:domain-name|ip-address|email-address)\b")
_DOC_MAP = {"domain-name": "{domain}", "ip-address": "{ip}", "email-address": "{email}"}
_COMBINING = lazy(r"[\u0300-\u036f\u0591-\u05c7\u05f3\u05f4\u0610-\u061a\u064b-\u065f\u0670]")
"""Combining accents, Hebrew points and gershayim, Arabic vowel marks: dropped, so a word stays
one word ("İleti" lower-cases to i + a combining dot; "تعذّر", "דוא״ל")."""
_NOT_WORDS = lazy(r"[^\w{}\s]+|[\d_]+")
"""Punctuation, digits and underscores: what separates the words `normalize` keeps."""
_ASCII_NOT_WORDS = str.maketrans(
    {c: " " for c in map(chr, range(128)) if not (c.isalpha() or c in "{}" or c.isspace())}
)
"""What _NOT_WORDS replaces in ASCII text, as a table: a space for each such character."""
_SPACE = lazy(r"\s+")
CJK_RUN = lazy(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+")
"""A run of Chinese, Japanese or Korean characters (matched as substrings, not words)."""
_CJK = CJK_RUN

STOPWORDS = frozenset(
    "a an the to of in on at for from by with and or is are was were be been has have had this that "
    "these those it its your you our we us please not no do does did as if into than then there "
    "their they them he she his her may can could would will should about more information go "
    "see for".split()
)


@lru_cache(maxsize=1024)
def normalize(text: str) -> str:
    """Lower-case, mask addresses, drop numbers and punctuation, fold white space (cached: the
    matcher and the lexicon read the same diagnostic)."""
    text = text.lower()
    # Each pass searches only near what its matches hold (a regex pass costs a look at every
    # position even to find nothing).
    if "://" in text:
        text = sub_near(URL, "://", _URL_REACH, " ", text)
    if "@" in text:
        text = sub_near(_EMAIL, "@", _LOCAL_PART_MAX, " {email} ", text)
    if text.count(".") >= 3:  # what an address needs
        text = sub_near(_IPV4, _ADDRESS_DOTS, _IPV4_REACH, " {ip} ", text)
        text = sub_near(_MASKED_IPV4, _ADDRESS_DOTS, _MASKED_REACH, " {ip} ", text)
    if any_in(text, _REDACTION_CUES):
        text = _REDACTED_IP.sub(" {ip} ", text)
        text = _REDACTED_EMAIL.sub(" {email} ", text)
    if "::" in text or text.count(":") >= 3:
        text = sub_near(_IPV6, _IPV6_COLONS, _IPV6_REACH, " {ip} ", text)
    if "." in text:
        text = sub_near(_DOMAIN, ".", _DOMAIN_REACH, " {domain} ", text)
    if "-name" in text or "-address" in text:
        text = _DOC_PLACEHOLDERS.sub(lambda m: _DOC_MAP[m.group(0)], text)
    if text.isascii():
        return " ".join(text.translate(_ASCII_NOT_WORDS).split())
    text = _COMBINING.sub("", unicodedata.normalize("NFC", text))
    return " ".join(_NOT_WORDS.sub(" ", text).split())


def sub_near(
    pattern: re.Pattern[str],
    anchor: str | re.Pattern[str],
    reach: int,
    replacement: str,
    text: str,
) -> str:
    """`pattern.sub(replacement, text)` by `matches_near` (`replacement` holds no escapes)."""
    out: list[str] = []
    done = 0
    for found in matches_near(pattern, anchor, reach, text):
        out += (text[done : found.start()], replacement)
        done = found.end()
    return "".join(out) + text[done:] if out else text


def matches_near(
    pattern: re.Pattern[str], anchor: str | re.Pattern[str], reach: int, text: str
) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)` for a pattern each match of which holds `anchor` (a string, or
    what a pattern finds) starting at most `reach` characters after its own start (an address's
    "@" after its local part): each search starts shortly before the next anchor, not at every
    position of the text."""
    done = 0
    while (at := _find(anchor, text, done)) != -1:
        found = pattern.search(text, max(done, at - reach))
        if found is None:
            return
        yield found
        done = found.end()


def _find(anchor: str | re.Pattern[str], text: str, start: int) -> int:
    if isinstance(anchor, str):
        return text.find(anchor, start)
    found = anchor.search(text, start)
    return found.start() if found else -1


def normalize_pattern(pattern: str) -> str:
    """Normalise a knowledge pattern: placeholders become the tokens bounce text is rewritten to."""
    text = normalize(pattern).replace("{n}", " ").replace("{text}", " ")
    return _SPACE.sub(" ", text).strip()


def tokens(normalized: str) -> set[str]:
    """Content words of normalised text; runs of CJK characters become character pairs."""
    if normalized.isascii():  # no CJK: the content words alone
        return {w for w in normalized.split() if len(w) > 2 and w not in STOPWORDS and w[0] != "{"}
    out: set[str] = set()
    for word in normalized.split():
        if not word.isascii() and _CJK.search(word):  # (CJK characters are not ASCII)
            for run in _CJK.findall(word):
                if len(run) == 1:
                    out.add(run)
                out.update(run[i : i + 2] for i in range(len(run) - 1))
            continue
        if len(word) < 3 or word in STOPWORDS or word.startswith("{"):
            continue
        out.add(word)
    return out
