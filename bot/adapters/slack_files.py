"""Fetching shared `.eml` files from Slack (bot token, `files:read`), with a size cap.

The bot token is only ever sent to Slack's file hosts (or the configured SLACK_API_URL host, which
is how tests and proxies point it elsewhere); redirects elsewhere are refused.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.model import Attachment

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 10_000_000
EML_SUFFIXES = (".eml", ".msg.txt")
EML_MIMETYPES = ("message/rfc822", "message/global")
EML_FILETYPES = ("eml", "email")
SNIPPET_FILETYPES = ("text", "txt")
TIMEOUT = 15.0


class FileError(Exception):
    """A shared file could not be fetched; the message is safe to show to the user."""


@dataclass(frozen=True)
class FileRef:
    """What Slack tells us about a shared file (from an event, a shortcut or files.info)."""

    id: str
    name: str
    mimetype: str
    size: int
    url: str

    @classmethod
    def from_slack(cls, file: Mapping[str, Any]) -> FileRef:
        return cls(
            id=str(file.get("id", "")),
            name=str(file.get("name") or file.get("title") or ""),
            mimetype=str(file.get("mimetype") or ""),
            size=int(file.get("size") or 0),
            url=str(file.get("url_private_download") or file.get("url_private") or ""),
        )


def is_bounce_file(file: Mapping[str, Any]) -> bool:
    """An uploaded message file (.eml / message/rfc822) or a text snippet (long pastes become
    one), worth downloading; the registry then decides whether a snippet is a bounce."""
    name = str(file.get("name") or "").lower()
    return (
        name.endswith(EML_SUFFIXES)
        or str(file.get("mimetype") or "").lower() in EML_MIMETYPES
        or str(file.get("filetype") or "").lower() in EML_FILETYPES + SNIPPET_FILETYPES
    )


def allowed_host(url: str, api_base: str = "") -> bool:
    """Slack's own hosts over HTTPS, or exactly the host of SLACK_API_URL."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and (host == "slack.com" or host.endswith(".slack.com")):
        return True
    if api_base:
        base = urlsplit(api_base)
        return (parts.scheme, parts.netloc.lower()) == (base.scheme, base.netloc.lower())
    return False


class _GuardedRedirect(urllib.request.HTTPRedirectHandler):
    def __init__(self, api_base: str) -> None:
        self.api_base = api_base

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not allowed_host(newurl, self.api_base):
            raise FileError("the file's download link points outside Slack")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def download(
    ref: FileRef, token: str, *, api_base: str = "", max_bytes: int = MAX_FILE_BYTES
) -> Attachment:
    """Download one file (blocking). Raises FileError with a user-facing reason."""
    if ref.size > max_bytes:
        raise FileError(f"{ref.name or 'the file'} is larger than {max_bytes // 1_000_000} MB")
    if not ref.url:
        raise FileError(f"Slack gave no download link for {ref.name or 'the file'}")
    if not allowed_host(ref.url, api_base):
        raise FileError("the file's download link points outside Slack")
    request = urllib.request.Request(ref.url, headers={"Authorization": f"Bearer {token}"})
    opener = urllib.request.build_opener(_GuardedRedirect(api_base))
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            content_type = response.headers.get_content_type()
            data = response.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        raise FileError(f"Slack refused the download (HTTP {exc.code})") from None
    except (urllib.error.URLError, OSError) as exc:
        log.warning("file %s: download failed: %s", ref.id, exc)
        raise FileError("the download from Slack failed") from None
    if len(data) > max_bytes:
        raise FileError(f"{ref.name or 'the file'} is larger than {max_bytes // 1_000_000} MB")
    if content_type == "text/html" and not ref.name.lower().endswith((".html", ".htm")):
        # Without files:read Slack answers with its sign-in page instead of the file.
        raise FileError("Slack sent a web page instead of the file (is the files:read scope set?)")
    return Attachment(name=ref.name or f"{ref.id}.eml", data=data, content_type=ref.mimetype)
