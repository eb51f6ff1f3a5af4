"""`dnssec`: is there a DS at the parent, a matching DNSKEY, and did the resolver validate?"""

from __future__ import annotations

from bot.dnscheck.context import Context
from bot.model import CheckResult

NAME = "dnssec"


async def check(ctx: Context) -> CheckResult:
    domain = ctx.domain
    ds_task = ctx.lookup(domain, "DS", dnssec=True)
    key_task = ctx.lookup(domain, "DNSKEY", dnssec=True)
    ds, keys = await ds_task, await key_task
    if ds.status == "error":
        return CheckResult(NAME, "error", f"Could not look up DS: {ds.error}", target=domain)
    if not ds.ok:
        if keys.ok:
            return CheckResult(
                NAME,
                "warn",
                "DNSKEY published but no DS at the parent: signatures are not used",
                details=("Add the DS record at your registrar to complete the chain of trust.",),
                target=domain,
            )
        return CheckResult(
            NAME, "ok", "Not DNSSEC-signed (optional; needed for DANE)", target=domain
        )
    ds_records = tuple(rd.to_text() for rd in ds.rdatas)
    if keys.status == "error":
        return CheckResult(
            NAME,
            "fail",
            f"DS published but DNSKEY lookup failed ({keys.error}): possibly a broken chain",
            ds_records,
            target=domain,
        )
    if not keys.ok:
        return CheckResult(
            NAME,
            "fail",
            "DS at the parent but no DNSKEY: validating resolvers will fail",
            ds_records,
            target=domain,
        )
    # Here, not at the top: dnspython's DNSSEC module loads `cryptography` (~35 ms of start-up),
    # and only a signed domain's key tags need it.
    from dns.dnssec import key_id

    key_tags = {key_id(rd) for rd in keys.rdatas}  # type: ignore[arg-type]
    ds_tags = {rd.key_tag for rd in ds.rdatas}  # type: ignore[attr-defined]
    if not key_tags & ds_tags:
        return CheckResult(
            NAME,
            "fail",
            "No DS matches a published DNSKEY: validating resolvers will fail",
            ds_records,
            (f"DS key tags {sorted(ds_tags)}, DNSKEY key tags {sorted(key_tags)}",),
            domain,
        )
    if ds.authenticated and keys.authenticated:
        return CheckResult(
            NAME, "ok", "DNSSEC-signed and validated by the resolver", ds_records, target=domain
        )
    return CheckResult(
        NAME,
        "ok",
        "DNSSEC-signed (DS matches a DNSKEY); the resolver did not report validation",
        ds_records,
        ("The AD bit was not set: the resolver may not validate.",),
        domain,
    )
