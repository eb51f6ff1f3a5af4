"""`spf`: one v=spf1 record, its syntax, and the whole include/redirect tree (RFC 7208)."""

from __future__ import annotations

import asyncio
import ipaddress
import re
from dataclasses import dataclass, field

from bot.dnscheck.context import Context, plural, worst
from bot.dnscheck.resolver import Answer
from bot.engine.lazyre import lazy
from bot.model import CheckResult, CheckStatus

NAME = "spf"
LOOKUP_LIMIT = 10
VOID_LIMIT = 2
MX_NAME_LIMIT = 10
MAX_RECORDS_FETCHED = 40
MAX_DEPTH = 12

_MACRO = lazy(r"%\{[slodiphcrtv][0-9]*r?[.\-+,/_=]*\}|%%|%_|%-", re.IGNORECASE)
_MECHANISMS = {"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"}
_COUNTED = {"include", "a", "mx", "ptr", "exists"}
_DOMAIN = lazy(r"^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_-]+\.?$", re.I)


def spf_records(texts: tuple[str, ...]) -> list[str]:
    """TXT strings that are SPF version 1 records."""
    return [t for t in texts if t.lower() == "v=spf1" or t.lower().startswith("v=spf1 ")]


def has_macro(text: str) -> bool:
    return "%" in text


def macro_problem(spec: str) -> str | None:
    """A description of bad macro syntax in a domain-spec, or None."""
    if "%" not in spec:
        return None
    leftover = _MACRO.sub("", spec)
    if "%" in leftover:
        return f"bad macro syntax in '{spec}'"
    return None


@dataclass
class Node:
    """One SPF record in the tree and what evaluating it costs."""

    domain: str
    record: str = ""
    own_lookups: int = 0
    voids: int = 0
    children: list[tuple[str, Node]] = field(default_factory=list)
    problems: list[tuple[CheckStatus, str]] = field(default_factory=list)
    includes: set[str] = field(default_factory=set)
    all_qualifier: str | None = None

    @property
    def total(self) -> int:
        return self.own_lookups + sum(child.total for _, child in self.children)

    @property
    def total_voids(self) -> int:
        return self.voids + sum(child.total_voids for _, child in self.children)

    def all_problems(self) -> list[tuple[CheckStatus, str]]:
        out = list(self.problems)
        for _, child in self.children:
            out.extend(child.all_problems())
        return out

    def all_includes(self) -> set[str]:
        out = set(self.includes)
        for _, child in self.children:
            out |= child.all_includes()
        return out


@dataclass
class _Budget:
    fetched: int = 0


@dataclass(frozen=True)
class SpfInfo:
    """The evaluated tree for the provider check and others."""

    answer: Answer
    records: tuple[str, ...]
    root: Node | None


def spf_info(ctx: Context) -> asyncio.Task[SpfInfo]:
    """The domain's SPF tree, evaluated once per request."""
    return ctx.memo(("spf", ctx.domain), lambda: _info(ctx))


async def _info(ctx: Context) -> SpfInfo:
    answer = await ctx.lookup(ctx.domain, "TXT")
    records = tuple(spf_records(answer.texts))
    root = None
    if len(records) == 1:
        root = await _evaluate(ctx, ctx.domain, records[0], (ctx.domain,), _Budget())
    return SpfInfo(answer, records, root)


async def _fetch(
    ctx: Context, domain: str, ancestors: tuple[str, ...], budget: _Budget, how: str
) -> tuple[Node, bool]:
    """Fetch and evaluate the SPF record an include/redirect points at; (node, void)."""
    node = Node(domain)
    if len(ancestors) > MAX_DEPTH or budget.fetched >= MAX_RECORDS_FETCHED:
        node.problems.append(("warn", f"{domain}: not expanded (tree too deep or too large)"))
        return node, False
    budget.fetched += 1
    answer = await ctx.lookup(domain, "TXT")
    if answer.status == "error":
        node.problems.append(("error", f"{how}: could not fetch SPF of {domain} ({answer.error})"))
        return node, False
    records = spf_records(answer.texts)
    if not records:
        node.problems.append(("fail", f"{how}: {domain} has no SPF record (permerror)"))
        return node, answer.empty
    if len(records) > 1:
        node.problems.append(
            ("fail", f"{how}: {domain} has {len(records)} SPF records (permerror)")
        )
        return node, False
    return await _evaluate(ctx, domain, records[0], ancestors, budget), False


async def _evaluate(
    ctx: Context, domain: str, record: str, ancestors: tuple[str, ...], budget: _Budget
) -> Node:
    node = Node(domain, record)
    pending: list[tuple[str, asyncio.Task[tuple[Node, bool]]]] = []
    voids: list[asyncio.Task[bool]] = []
    seen_all = False
    redirect: str | None = None
    modifiers: set[str] = set()
    for term in record.split()[1:]:
        if seen_all and "=" not in term:
            node.problems.append(("warn", f"{domain}: '{term}' comes after 'all' and is ignored"))
        qualifier = term[0] if term[0] in "+-~?" else "+"
        body = term[1:] if term[0] in "+-~?" else term
        name, sep, value = _split_term(body)
        lname = name.lower()
        if sep == "=":
            if lname in modifiers and lname in ("redirect", "exp"):
                node.problems.append(("fail", f"{domain}: '{lname}' appears twice (permerror)"))
            modifiers.add(lname)
            if not re.fullmatch(r"[a-z][a-z0-9_.-]*", lname):
                node.problems.append(("fail", f"{domain}: bad modifier '{term}'"))
            elif lname in ("redirect", "exp"):
                problem = macro_problem(value) or _spec_problem(value)
                if problem:
                    node.problems.append(("fail", f"{domain}: {problem}"))
                elif lname == "redirect":
                    redirect = value
            continue
        if lname not in _MECHANISMS:
            node.problems.append(("fail", f"{domain}: unknown mechanism '{term}' (permerror)"))
            continue
        problem = _syntax_problem(lname, sep, value)
        if problem:
            node.problems.append(("fail", f"{domain}: {problem} in '{term}'"))
            continue
        if lname in _COUNTED:
            node.own_lookups += 1
        spec = value.split("/", 1)[0] if sep == ":" else ""
        if lname == "all":
            seen_all = True
            node.all_qualifier = qualifier
            if qualifier == "+":
                node.problems.append(
                    ("fail", f"{domain}: '+all' lets any server on the internet pass SPF")
                )
        elif lname == "include":
            node.includes.add(spec.lower())
            if has_macro(spec):
                continue
            target = spec.lower().rstrip(".")
            if target in ancestors:
                node.problems.append(
                    ("fail", f"{domain}: include loop back to {target} (permerror)")
                )
                continue
            task = asyncio.ensure_future(
                _fetch(ctx, target, (*ancestors, target), budget, f"include:{target}")
            )
            pending.append((f"include:{target}", task))
        elif lname == "ptr":
            node.problems.append(("warn", f"{domain}: 'ptr' is deprecated and slow (RFC 7208 5.5)"))
        elif lname in ("a", "mx", "exists") and not has_macro(spec):
            voids.append(asyncio.ensure_future(_void(ctx, lname, spec or domain, node)))
    if redirect is not None:
        if seen_all:
            node.problems.append(
                ("warn", f"{domain}: redirect= is ignored because 'all' is present")
            )
        else:
            node.own_lookups += 1
            target = redirect.lower().rstrip(".")
            if has_macro(redirect):
                pass
            elif target in ancestors:
                node.problems.append(
                    ("fail", f"{domain}: redirect loop back to {target} (permerror)")
                )
            else:
                task = asyncio.ensure_future(
                    _fetch(ctx, target, (*ancestors, target), budget, f"redirect={target}")
                )
                pending.append((f"redirect={target}", task))
    for label, task in pending:
        child, void = await task
        node.children.append((label, child))
        node.voids += int(void)
    node.voids += sum([await v for v in voids])
    return node


async def _void(ctx: Context, mechanism: str, target: str, node: Node) -> bool:
    """Run the lookup a/mx/exists needs; True when it was a void lookup."""
    target = target.rstrip(".")
    if mechanism == "mx":
        answer = await ctx.lookup(target, "MX")
        if len(answer.rdatas) > MX_NAME_LIMIT:
            node.problems.append(
                ("fail", f"{node.domain}: mx:{target} has more than {MX_NAME_LIMIT} MX names")
            )
        if answer.status == "error":
            node.problems.append(("error", f"{node.domain}: mx:{target} lookup failed"))
        return answer.empty
    if mechanism == "exists":
        answer = await ctx.lookup(target, "A")
        return answer.empty
    a, aaaa = ctx.lookup(target, "A"), ctx.lookup(target, "AAAA")
    a_ans, aaaa_ans = await a, await aaaa
    if "error" in (a_ans.status, aaaa_ans.status):
        node.problems.append(("error", f"{node.domain}: a:{target} lookup failed"))
        return False
    return a_ans.empty and aaaa_ans.empty


def _split_term(body: str) -> tuple[str, str, str]:
    match = re.match(r"^([A-Za-z][A-Za-z0-9_.-]*)(.*)$", body)
    if not match:
        return body, "", ""
    name, rest = match.groups()
    if rest.startswith("=") and name.lower() not in _MECHANISMS:
        return name, "=", rest[1:]
    if rest.startswith(":"):
        return name, ":", rest[1:]
    if rest.startswith("/"):
        return name, "/", rest
    return name, "" if not rest else "?", rest


def _syntax_problem(name: str, sep: str, value: str) -> str | None:
    if sep == "?":
        return "unexpected characters"
    if name == "all":
        return "'all' takes no argument" if sep else None
    if name in ("ip4", "ip6"):
        if sep != ":":
            return f"'{name}' needs an address"
        try:
            net = ipaddress.ip_network(value, strict=False)
        except ValueError:
            return f"'{value}' is not a valid {name} address or network"
        if net.version != (4 if name == "ip4" else 6):
            return f"'{value}' is not an IPv{name[-1]} address"
        return None
    if name in ("include", "exists") and sep != ":":
        return f"'{name}' needs a domain"
    spec, _, cidr = value.partition("/") if sep == ":" else ("", "", value.lstrip("/"))
    if cidr and not re.fullmatch(r"\d{1,3}(//\d{1,3})?|/\d{1,3}", cidr):
        return "bad CIDR length"
    if spec:
        return macro_problem(spec) or _spec_problem(spec)
    return None


def _spec_problem(spec: str) -> str | None:
    if has_macro(spec):
        return None
    if not _DOMAIN.match(spec) or "." not in spec.rstrip("."):
        return f"'{spec}' is not a valid domain"
    return None


async def check(ctx: Context) -> CheckResult:
    info = await spf_info(ctx)
    target = ctx.domain
    if info.answer.status == "error":
        return CheckResult(
            NAME, "error", f"Could not look up TXT: {info.answer.error}", target=target
        )
    if not info.records:
        why = "the domain does not exist" if info.answer.status == "nxdomain" else "no v=spf1 TXT"
        return CheckResult(
            NAME,
            "fail",
            f"No SPF record ({why}): receivers cannot verify who may send for {target}",
            details=("Publish one TXT record starting 'v=spf1', e.g. 'v=spf1 mx -all'.",),
            target=target,
        )
    if len(info.records) > 1:
        return CheckResult(
            NAME,
            "fail",
            f"{len(info.records)} SPF records: receivers treat this as permerror (SPF fails)",
            info.records,
            ("Merge them into one v=spf1 record.",),
            target,
        )
    root = info.root
    assert root is not None
    return _judge(root, info.records, target)


def _judge(root: Node, records: tuple[str, ...], target: str) -> CheckResult:
    total, voids = root.total, root.total_voids
    problems = root.all_problems()
    details: list[str] = [f"DNS lookups: {total} of {LOOKUP_LIMIT} allowed (RFC 7208 4.6.4)"]
    for label, child in root.children:
        details.append(f"  {label}: {plural(1 + child.total, 'lookup')}")
    if voids:
        details.append(f"Void lookups (no answer): {voids} of {VOID_LIMIT} allowed")
    statuses: list[CheckStatus] = [s for s, _ in problems]
    if total > LOOKUP_LIMIT:
        statuses.append("fail")
    if voids > VOID_LIMIT:
        statuses.append("fail")
    if root.all_qualifier == "?":
        statuses.append("warn")
        problems.append(
            ("warn", "'?all' is neutral: it does not tell receivers to reject forgeries")
        )
    if root.all_qualifier is None and not any(
        label.startswith("redirect") for label, _ in root.children
    ):
        statuses.append("warn")
        problems.append(("warn", "no 'all' at the end: unlisted senders get a neutral result"))
    details.extend(text for _, text in problems)
    status = worst(*statuses)
    if total > LOOKUP_LIMIT:
        summary = f"{total} DNS lookups, over the limit of {LOOKUP_LIMIT}: SPF fails (permerror)"
    elif voids > VOID_LIMIT:
        summary = f"{voids} void lookups, over the limit of {VOID_LIMIT}: SPF fails (permerror)"
    elif status == "fail":
        summary = "SPF record is broken: " + next(t for s, t in problems if s == "fail")
    elif status == "error":
        summary = "SPF record found, but part of its include tree could not be looked up"
    else:
        ending = f"'{root.all_qualifier}all'" if root.all_qualifier else "a redirect"
        summary = f"One SPF record, {total} of {LOOKUP_LIMIT} DNS lookups, ending {ending}"
        if status == "warn":
            summary += " (see details)"
    return CheckResult(NAME, status, summary, records, tuple(details), target)
