"""Bounce notifications as JSON, pasted or inside an e-mail body: Amazon SES (SNS notifications and
event publishing), SendGrid and Mailgun events, Postmark bounce webhooks."""

from __future__ import annotations

import contextlib
from typing import Any

from bot.engine.contains import any_in
from bot.engine.lazyre import lazy
from bot.engine.parsed import Failure
from bot.engine.smtpcodes import find_codes

MAX_JSON_CHARS = 500_000
_SIGNS = ("notificationtype", "eventtype", "bouncetype", '"event"', "recordtype")
"""Keys of the notifications (also inside SNS's escaped "Message" string)."""


def looks_like_json_report(text: str) -> bool:
    head = text[:20_000]
    if "{" not in head:
        return False
    lowered = head.lower()
    return any_in(lowered, _SIGNS)


def json_report(text: str) -> tuple[str, list[Failure]] | None:
    """(kind, failures) of the first JSON notification in the text, or None.

    kind is bounce, feedback (a complaint) or delivered.
    """
    for document in _documents(text[:MAX_JSON_CHARS]):
        found = _read(document)
        if found is not None:
            return found
    return None


def _documents(text: str) -> list[Any]:
    """JSON values in the text: the whole text, else each top-level {...} in it (SNS wraps the
    notification as a string in "Message", which is decoded too)."""
    import json  # here: few texts look like JSON reports (start-up time)

    decoder = json.JSONDecoder()
    out: list[Any] = []
    start = text.find("{")
    while start != -1 and len(out) < 5:
        try:
            value, end = decoder.raw_decode(text, start)
        except ValueError:
            start = text.find("{", start + 1)
            continue
        out.append(value)
        if isinstance(value, dict) and isinstance(value.get("Message"), str):
            with contextlib.suppress(ValueError):
                out.append(json.loads(value["Message"]))
        start = text.find("{", end)
    return out


def _read(doc: Any) -> tuple[str, list[Failure]] | None:
    if isinstance(doc, list):
        for item in doc:
            found = _read(item)
            if found is not None:
                return found
        return None
    if not isinstance(doc, dict):
        return None
    keys = {k.lower(): k for k in doc}
    if isinstance(doc.get(keys.get("event-data", "")), dict):  # Mailgun's webhook wraps its event
        return _read(doc[keys["event-data"]])
    kind = str(doc.get(keys.get("notificationtype", ""), doc.get(keys.get("eventtype", ""), "")))
    if kind.lower() in ("bounce", "complaint", "delivery"):
        return _ses(doc, kind.lower())
    if "event" in keys and ("reason" in keys or "delivery-status" in keys or "email" in keys):
        return _event(doc)
    if "recordtype" in keys or ("type" in keys and "description" in keys):
        return _postmark(doc)
    return None


def _ses(doc: dict[str, Any], kind: str) -> tuple[str, list[Failure]]:
    if kind == "complaint":
        return "feedback", []
    if kind == "delivery":
        return "delivered", []
    bounce = doc.get("bounce")
    if not isinstance(bounce, dict):
        bounce = {}
    sub_type = str(bounce.get("bounceSubType") or "")
    failures = []
    recipients = bounce.get("bouncedRecipients")
    for item in recipients if isinstance(recipients, list) else []:
        if not isinstance(item, dict):
            continue
        diagnostic = str(item.get("diagnosticCode") or "")
        if ";" in diagnostic[:12]:
            diagnostic = diagnostic.split(";", 1)[1].strip()
        if not diagnostic and sub_type in ("Suppressed", "OnAccountSuppressionList"):
            diagnostic = (  # SES's own wording for this case
                "Amazon SES did not send the message to this address because it is on the "
                "suppression list for your account."
            )
        codes = find_codes(diagnostic)
        failures.append(
            Failure(
                recipient=_address(item.get("emailAddress")),
                diagnostic=diagnostic or f"{bounce.get('bounceType', '')} {sub_type}".strip(),
                status=_status(item.get("status")) or codes.status,
                reply_code=codes.reply_code,
                action=str(item.get("action") or "") or None,
                remote_mta=str(bounce.get("remoteMtaIp") or "") or None,
            )
        )
    return "bounce", failures


def _event(doc: dict[str, Any]) -> tuple[str, list[Failure]] | None:
    event = str(doc.get("event") or "").lower()
    if event in ("delivered",):
        return "delivered", []
    if event in ("spamreport", "complained"):
        return "feedback", []
    if event not in ("bounce", "bounced", "dropped", "deferred", "failed", "blocked"):
        return None
    found = doc.get("delivery-status")
    status: dict[str, Any] = found if isinstance(found, dict) else {}
    diagnostic = " ".join(
        str(part)
        for part in (
            doc.get("reason") if doc.get("reason") != "generic" else None,  # (Mailgun's default)
            status.get("message"),
            status.get("description"),
        )
        if part
    )
    codes = find_codes(diagnostic)
    reply = str(status.get("code") or "") or codes.reply_code
    enhanced = _status(doc.get("status")) or codes.status
    failure = Failure(
        recipient=_address(doc.get("email") or doc.get("recipient")),
        diagnostic=diagnostic,
        status=enhanced or None,
        reply_code=reply if reply and reply.isdigit() else None,
        action="delayed" if event == "deferred" or doc.get("severity") == "temporary" else None,
    )
    return "bounce", [failure]


def _postmark(doc: dict[str, Any]) -> tuple[str, list[Failure]] | None:
    kind = str(doc.get("RecordType") or doc.get("Type") or "")
    if kind == "SpamComplaint":
        return "feedback", []
    if kind == "Delivery":
        return "delivered", []
    diagnostic = " ".join(str(doc.get(k) or "") for k in ("Details", "Description")).strip()
    if not diagnostic:
        return None
    codes = find_codes(diagnostic)
    failure = Failure(
        recipient=_address(doc.get("Email")),
        diagnostic=diagnostic,
        status=codes.status,
        reply_code=codes.reply_code,
        action="delayed" if kind in ("SoftBounce", "Transient") else None,
    )
    return "bounce", [failure]


_STATUS = lazy(r"[245]\.\d{1,3}\.\d{1,3}")


def _status(value: Any) -> str | None:
    """An enhanced status code as the notification gives it, if it is one."""
    text = str(value or "").strip()
    return text if _STATUS.fullmatch(text) else None


def _address(value: Any) -> str | None:
    text = str(value or "").strip().strip("<>")
    if "<" in text and ">" in text:
        text = text[text.rfind("<") + 1 : text.rfind(">")]
    return text.lower() if text.count("@") == 1 else None
