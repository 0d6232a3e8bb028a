"""Amounts of money a contract fixes: what each is for (rent, deposit, fee, salary, a liability cap…), the
amount as a decimal string, its ISO 4217 currency, how often it is due, and the verbatim text around it."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from common.analysis import Money, MoneyKind, Period

MAX_MONEY = 20
_CONTEXT_BEFORE = 400
_QUOTE_BEFORE = 80
_QUOTE_AFTER = 60

_SYMBOLS = {"$": "USD", "US$": "USD", "£": "GBP", "€": "EUR", "C$": "CAD", "A$": "AUD", "¥": "JPY"}
_CODES = ("USD", "GBP", "EUR", "CAD", "AUD", "CHF", "JPY", "INR", "SGD", "HKD", "NZD", "CNY")
_WORDS = (
    (re.compile(r"(?:united\s+states|u\.?s\.?)\s+dollars?|\bdollars?\b", re.IGNORECASE), "USD"),
    (re.compile(r"pounds?\s+sterling|\bpounds?\b|\bsterling\b", re.IGNORECASE), "GBP"),
    (re.compile(r"\beuros?\b", re.IGNORECASE), "EUR"),
)
_NUMBER = r"(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<dec>\d{1,2}))?(?!\d)"
# An amount with a symbol ("$1,250.00", "£ 300"), an ISO code ("1,250 USD") or a currency word ("500 dollars").
_AMOUNTS = (
    re.compile(rf"(?P<sym>[$£€¥])\s?{_NUMBER}(?!\s*%)(?P<scale>\s*(?i:million|billion|thousand)\b)?"),
    re.compile(rf"(?<![\w.]){_NUMBER}\s?(?P<code>{'|'.join(_CODES)})\b"),
    re.compile(rf"\b(?P<code>{'|'.join(_CODES)})\s?{_NUMBER}(?!\s*%)"),
    re.compile(
        rf"(?<![\w.$£€,]){_NUMBER}\s+(?P<word>(?:united\s+states\s+|u\.s\.\s+)?dollars|pounds|euros)\b", re.I
    ),
)
# A label line with a bare amount under it, as cover terms and work orders write them ("Fee\n\n5,000").
_LABELLED = re.compile(
    r"^[ \t]*(?P<label>(?:total\s+|base\s+|monthly\s+|annual\s+)?(?:fees?|salary|rent|deposit|price|amount))[ \t]*:?[ \t]*\n"
    rf"(?:[ \t]*\n)?[ \t]*{_NUMBER}[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_CURRENCY_LABEL = re.compile(
    r"^[ \t]*currency[ \t]*:?[ \t]*\n(?:[ \t]*\n)?[ \t]*(?P<value>[^\n]{2,40})$", re.I | re.M
)

# What an amount is for: a late fee or a penalty anywhere in the sentence before it decides ("If rent is late,
# Tenant shall pay $85"), else the keyword nearest before it.
PRIORITY_KINDS: frozenset[MoneyKind] = frozenset({"late_fee", "penalty"})
KIND_CUES: tuple[tuple[MoneyKind, re.Pattern[str]], ...] = (
    ("late_fee", re.compile(r"\blate\s+(?:fee|charge|payment)|\blate\b", re.I)),
    (
        "penalty",
        re.compile(
            r"penalt|liquidated\s+damages|holding\s+over|holds?\s+over|holdover|remains?\s+in\s+possession",
            re.I,
        ),
    ),
    ("liability_cap", re.compile(r"\bliab(?:le|ility)\b|\bdamages\b", re.I)),
    ("deposit", re.compile(r"\bdeposit\b", re.I)),
    ("rent", re.compile(r"\brent\b|\brental\b", re.I)),
    ("salary", re.compile(r"\bsalary\b|\bwages?\b|\bper\s+hour\b|\bhourly\b", re.I)),
    ("fee", re.compile(r"\bfees?\b|\bcharges?\b|\binvoice|\bsubscription\b|\bmembership\b", re.I)),
    ("price", re.compile(r"\bprice\b|\bpurchase\b|\bcosts?\b", re.I)),
)
_PERIODS: tuple[tuple[Period, re.Pattern[str]], ...] = (
    ("year", re.compile(r"^\W{0,3}(?:per\s+(?:year|annum)|a\s+year|each\s+year|annually|/\s?(?:year|yr))", re.I)),
    ("month", re.compile(r"^\W{0,3}(?:per\s+(?:calendar\s+)?month|a\s+month|each\s+month|monthly|/\s?(?:month|mo)\b)", re.I)),
    ("week", re.compile(r"^\W{0,3}(?:per\s+week|a\s+week|each\s+week|weekly|/\s?(?:week|wk))", re.I)),
    ("day", re.compile(r"^\W{0,3}(?:per\s+day|a\s+day|each\s+day|daily|/\s?day)", re.I)),
)  # fmt: skip
# Worked examples and calculations are not amounts the contract fixes.
_PERIOD_WORDS: dict[str, Period] = {
    "annual": "year",
    "yearly": "year",
    "monthly": "month",
    "weekly": "week",
    "daily": "day",
}
_PERIOD_BEFORE = re.compile(r"\b(annual|yearly|monthly|weekly|daily)\b[^.;\d]{0,30}$", re.I)
_EXAMPLE = re.compile(r"\bexamples?\b|e\.g\.|for\s+instance|[x×=]\s*$", re.I)
_CALCULATION = re.compile(r"\d\s*[x×]\s*\d|\d\s*=\s*[$£€]?\d")
_SENTENCE_END = re.compile(r"[.;!?](?=\s)|\n\s*\n")


def _decimal(num: str, dec: str | None, scale: str | None = None) -> str | None:
    try:
        value = Decimal(num.replace(",", "") + "." + (dec or "0"))
    except InvalidOperation:
        return None
    factor = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}.get(
        (scale or "").strip().lower(), 1
    )
    return f"{value * factor:.2f}"


def _kind(context: str) -> MoneyKind:
    """A late fee or penalty named in the sentence before the amount, else the kind whose cue ends nearest."""
    for kind, cue in KIND_CUES:
        if kind in PRIORITY_KINDS and cue.search(context):
            return kind
    best: tuple[int, MoneyKind] = (-1, "other")
    for kind, cue in KIND_CUES:
        for match in cue.finditer(context):
            if match.end() > best[0]:
                best = (match.end(), kind)
    return best[1]


def _period(after: str, kind: MoneyKind, before: str = "") -> Period | None:
    """How often: words right after the amount ("per month"), else a label right before it ("Monthly Rent:")."""
    for period, cue in _PERIODS:
        if cue.search(after):
            return period
    label = _PERIOD_BEFORE.search(before[-40:])
    if label:
        return _PERIOD_WORDS[label.group(1).lower()]
    if kind in {"deposit", "fee", "price", "penalty", "late_fee"}:
        return "once"
    return None


def _sentence_before(text: str, at: int) -> str:
    """The text of the sentence before position `at` (extended back over a very short sentence)."""
    lo = max(0, at - _CONTEXT_BEFORE)
    window = text[lo:at]
    ends = [m.end() for m in _SENTENCE_END.finditer(window)]
    start = ends[-1] if ends else 0
    if len(window) - start < 12 and len(ends) > 1:
        start = ends[-2]
    return window[start:]


def _quote(text: str, start: int, end: int) -> str:
    lo = max(0, start - _QUOTE_BEFORE)
    hi = min(len(text), end + _QUOTE_AFTER)
    line_start = text.rfind("\n\n", lo, start)
    lo = line_start + 2 if line_start >= 0 else lo
    sentence_end = _SENTENCE_END.search(text, end, hi)
    hi = sentence_end.start() + 1 if sentence_end else hi
    if lo > 0 and not text[lo - 1].isspace():
        space = text.find(" ", lo, start)
        lo = space + 1 if space >= 0 else lo
    if hi < len(text) and not text[hi].isspace() and text[hi - 1].isalnum():
        space = text.rfind(" ", end, hi)
        hi = space if space > end else hi
    return text[lo:hi].strip()


def _document_currency(text: str) -> str:
    label = _CURRENCY_LABEL.search(text)
    if label:
        for pattern, code in _WORDS:
            if pattern.search(label.group("value")):
                return code
        code_match = re.search("|".join(_CODES), label.group("value").upper())
        if code_match:
            return code_match.group(0)
    counts = {code: 0 for code in set(_SYMBOLS.values())}
    for symbol, code in _SYMBOLS.items():
        counts[code] += text.count(symbol)
    best = max(counts, key=lambda c: counts[c])
    return best if counts[best] else "USD"


_SYMBOL_PREFIX = re.compile(r"(?<![A-Za-z])(?:US|C|A)$")


def _symbol_currency(page: str, at: int, symbol: str) -> str:
    """The currency of a symbol, with the letters written right before it ("US$", "C$", "A$")."""
    prefix = _SYMBOL_PREFIX.search(page, max(0, at - 3), at)
    return _SYMBOLS.get((prefix.group(0) if prefix else "") + symbol, _SYMBOLS[symbol])


def _near(text: str, words: tuple[str, ...], pattern: re.Pattern[str]) -> list[re.Match[str]]:
    """Matches of a pattern ending in one of `words`, looked for only just before each word (much faster than
    scanning the page for numbers)."""
    found: list[re.Match[str]] = []
    done = 0
    for word in words:
        at = text.find(word)
        while at >= 0:
            for match in pattern.finditer(text, max(done, at - 40), at + 40):
                found.append(match)
                done = match.end()
            at = text.find(word, at + len(word))
        done = 0
    return found


def _amounts(page: str) -> list[re.Match[str]]:
    """Every written amount on the page in reading order, each once (a symbol wins over a word after it)."""
    low = page.lower()
    matches = [
        *_AMOUNTS[0].finditer(page),
        *_near(page, _CODES, _AMOUNTS[1]),
        *_near(page, _CODES, _AMOUNTS[2]),
        *(
            _near(page, ("dollar", "Dollar", "DOLLAR", "pound", "Pound", "euro", "Euro"), _AMOUNTS[3])
            if any(w in low for w in ("dollar", "pound", "euro"))
            else []
        ),
    ]
    matches.sort(key=lambda m: m.start())
    kept: list[re.Match[str]] = []
    for match in matches:
        if not kept or match.start() >= kept[-1].end():
            kept.append(match)
    return kept


def find_money(pages: list[str]) -> list[Money]:
    """The amounts each page fixes, in reading order, without repeats of the same kind, amount and period."""
    found: list[Money] = []
    seen: set[tuple[str, str, str | None]] = set()
    currency = _document_currency("\n".join(pages))

    def add(kind: MoneyKind, amount: str | None, code: str, period: Period | None, quote: str) -> None:
        if amount is None or Decimal(amount) == 0 or len(found) >= MAX_MONEY:
            return
        key = (kind, amount, period)
        if key not in seen:
            seen.add(key)
            found.append(Money(kind=kind, amount=amount, currency=code, period=period, text=quote))

    for page in pages:
        for match in _LABELLED.finditer(page):
            kind = _kind(match.group("label"))
            amount = _decimal(match.group("num"), match.group("dec"))
            add(kind, amount, currency, _period("", kind), page[match.start("label") : match.end()].strip())
        for match in _amounts(page):
            before = _sentence_before(page, match.start())
            line_start = page.rfind("\n", 0, match.start()) + 1
            line_end = page.find("\n", match.end())
            if _EXAMPLE.search(before) or _CALCULATION.search(
                page, line_start, len(page) if line_end < 0 else line_end
            ):
                continue
            groups = match.groupdict()
            if groups.get("sym"):
                code = _symbol_currency(page, match.start(), groups["sym"])
            elif groups.get("code"):
                code = groups["code"].upper()
            else:
                code = next(c for p, c in _WORDS if p.search(groups["word"]))
            kind = _kind(before)
            amount = _decimal(groups["num"], groups["dec"], groups.get("scale"))
            add(
                kind,
                amount,
                code,
                _period(page[match.end() : match.end() + 40], kind, before),
                _quote(page, match.start(), match.end()),
            )
    return found
