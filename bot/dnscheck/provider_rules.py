"""What Google Workspace and Exchange Online document for a domain's DNS, kept as data.

`{dashed}` is the domain with dots turned into dashes (contoso.com -> contoso-com); Microsoft
also drops existing hyphens in some tenants, so both spellings are accepted.
"""

from __future__ import annotations

from typing import Any

PROVIDERS: dict[str, dict[str, Any]] = {
    "google": {
        "label": "Google Workspace",
        "mx_hosts": (
            "smtp.google.com",
            "aspmx.l.google.com",
            "alt1.aspmx.l.google.com",
            "alt2.aspmx.l.google.com",
            "alt3.aspmx.l.google.com",
            "alt4.aspmx.l.google.com",
        ),
        "mx_suffixes": (".google.com", ".googlemail.com"),
        "mx_expected": ("smtp.google.com", "aspmx.l.google.com"),
        "spf_include": "_spf.google.com",
        "dkim_selectors": ("google",),
        "dkim_cname_suffixes": (),
        "docs": "https://support.google.com/a/answer/140034",
    },
    "microsoft": {
        "label": "Exchange Online",
        "mx_hosts": (),
        "mx_suffixes": (".mail.protection.outlook.com", ".mx.microsoft"),
        "mx_expected": ("{dashed}.mail.protection.outlook.com", "{dashed}.*.mx.microsoft"),
        "spf_include": "spf.protection.outlook.com",
        "dkim_selectors": ("selector1", "selector2"),
        "dkim_cname_suffixes": (".onmicrosoft.com", ".dkim.mail.microsoft"),
        "dkim_cname_prefix": "{selector}-{dashed}._domainkey.",
        "docs": "https://learn.microsoft.com/microsoft-365/admin/get-help-with-domains/create-dns-records-at-any-dns-hosting-provider",
    },
}
