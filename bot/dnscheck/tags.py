"""Parsing of `tag=value; tag=value` records (DMARC, DKIM, MTA-STS, TLS-RPT, BIMI)."""

from __future__ import annotations


def parse_tags(record: str) -> tuple[dict[str, str], list[str]]:
    """Split a tag list into a dict (keys lower-cased) and a list of syntax problems."""
    tags: dict[str, str] = {}
    problems: list[str] = []
    for part in record.split(";"):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            problems.append(f"'{part}' is not tag=value")
            continue
        key, value = part.split("=", 1)
        key = key.strip().lower()
        if key in tags:
            problems.append(f"tag '{key}' appears twice")
        tags[key] = value.strip()
    return tags, problems


def starts_with_version(record: str, version: str) -> bool:
    """Does the record start with `v=<version>` (spaces allowed around '=')?"""
    head = record.strip().split(";", 1)[0].replace(" ", "").replace("\t", "")
    return head.lower() == f"v={version}".lower()


def records_with_version(texts: tuple[str, ...], version: str) -> list[str]:
    """The TXT records that declare `v=<version>`."""
    return [t for t in texts if starts_with_version(t, version)]
