"""Microsoft 365's anti-spam headers in plain words (facts from Microsoft's published tables).

`X-Forefront-Antispam-Report` holds `FIELD:value;` pairs (CIP, CTRY, SCL, SFV, CAT, IPV, PTR, ...);
`X-Microsoft-Antispam` holds BCL, the bulk complaint level.
"""

from __future__ import annotations

from bot.record import Frozen, set_field

SFV = {
    "BLK": "filtering was skipped and the message blocked: the sender is on the recipient's "
    "Blocked Senders list",
    "NSPM": "the spam filter judged it not spam",
    "SFE": "filtering was skipped: the sender is on the recipient's Safe Senders list",
    "SKA": "filtering was skipped: the sender is allowed by the anti-spam policy",
    "SKB": "marked as spam: the sender is blocked by the anti-spam policy",
    "SKI": "filtering was skipped: mail inside the organisation",
    "SKN": "marked as not spam before filtering (for example by a mail flow rule)",
    "SKQ": "released from quarantine to the recipients",
    "SKS": "marked as spam before filtering (for example by a mail flow rule)",
    "SPM": "the spam filter marked it as spam",
}
CAT = {
    "AMP": "anti-malware",
    "BIMP": "brand impersonation",
    "BULK": "bulk mail",
    "DIMP": "domain impersonation",
    "FTBP": "the common-attachments filter",
    "GIMP": "impersonation found by mailbox intelligence",
    "HPHSH": "high-confidence phishing",
    "HPHISH": "high-confidence phishing",
    "HSPM": "high-confidence spam",
    "INTOS": "intra-organisation phishing",
    "MALW": "malware",
    "OSPM": "outbound spam",
    "PHSH": "phishing",
    "SAP": "safe attachments",
    "SPM": "spam",
    "SPOOF": "spoofing",
    "UIMP": "user impersonation",
}
IPV = {
    "CAL": "the connecting IP is on the connection filter's allow list",
    "NLI": "the connecting IP is on no IP reputation list",
}


class MicrosoftVerdict(Frozen):
    scl: int | None
    bcl: int | None
    sfv: str | None
    cat: str | None
    ipv: str | None
    ctry: str | None
    ptr: str | None
    cip: str | None

    __slots__ = ("bcl", "cat", "cip", "ctry", "ipv", "ptr", "scl", "sfv")

    def __init__(
        self,
        scl: int | None = None,
        bcl: int | None = None,
        sfv: str | None = None,
        cat: str | None = None,
        ipv: str | None = None,
        ctry: str | None = None,
        ptr: str | None = None,
        cip: str | None = None,
    ) -> None:
        set_field(self, "scl", scl)
        set_field(self, "bcl", bcl)
        set_field(self, "sfv", sfv)
        set_field(self, "cat", cat)
        set_field(self, "ipv", ipv)
        set_field(self, "ctry", ctry)
        set_field(self, "ptr", ptr)
        set_field(self, "cip", cip)

    def to_json(self) -> dict[str, object]:
        return {
            "scl": self.scl,
            "bcl": self.bcl,
            "sfv": self.sfv,
            "cat": self.cat,
            "ipv": self.ipv,
            "ctry": self.ctry,
        }


def _pairs(value: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in value.split(";")[:100]:
        key, sep, val = item.partition(":")
        if sep:
            out.setdefault(key.strip().upper(), val.strip())
    return out


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text not in (None, "") else None
    except ValueError:
        return None


def read_microsoft(
    forefront: str | None, antispam: str | None, scl_header: str | None = None
) -> MicrosoftVerdict | None:
    """The verdict in the headers, or None when there are none."""
    if not forefront and not antispam and scl_header is None:
        return None
    report = _pairs(forefront or "")
    bulk = _pairs(antispam or "")
    return MicrosoftVerdict(
        scl=_int(report.get("SCL")) if "SCL" in report else _int(scl_header),
        bcl=_int(bulk.get("BCL")),
        sfv=report.get("SFV") or None,
        cat=report.get("CAT") or None,
        ipv=report.get("IPV") or None,
        ctry=report.get("CTRY") or None,
        ptr=report.get("PTR") or None,
        cip=report.get("CIP") or None,
    )


def scl_words(scl: int) -> str:
    if scl == -1:
        return "SCL -1: filtering was skipped (a trusted or allowed sender)"
    if scl in (0, 1):
        return f"SCL {scl}: not spam"
    if scl in (5, 6):
        return f"SCL {scl}: Microsoft marked it as spam (Junk Email folder)"
    if scl in (7, 8, 9):
        return f"SCL {scl}: Microsoft marked it as high-confidence spam"
    return f"SCL {scl}"


def bcl_words(bcl: int) -> str:
    if bcl == 0:
        return "BCL 0: not bulk mail"
    if bcl <= 3:
        return f"BCL {bcl}: bulk mail from a sender that draws few complaints"
    if bcl <= 7:
        return f"BCL {bcl}: bulk mail from a sender that draws a mixed number of complaints"
    return f"BCL {bcl}: bulk mail from a sender that draws many complaints"
