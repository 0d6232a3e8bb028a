"""Rule-based contract analysis that needs no network: clause spotting, key fields, risks and recommendations."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date

from common.analysis import Analysis, Clause, Party, Recommendation, Risk, RiskLevel, Term
from worker.clause_rules import RULES, UNILATERAL_PRICE_CHANGE, Rule, rx

MAX_QUOTE = 600
_CONTEXT_BEFORE = 200

# --- text structure --------------------------------------------------------------------------------------------

_ABBREVIATIONS = frozenset(
    [
        "inc",
        "corp",
        "co",
        "ltd",
        "llc",
        "lp",
        "llp",
        "plc",
        "no",
        "nos",
        "sec",
        "secs",
        "art",
        "arts",
        "para",
        "e.g",
        "i.e",
        "u.s",
        "u.s.a",
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "jr",
        "sr",
        "vs",
        "v",
        "etc",
        "approx",
        "dept",
        "est",
        "fig",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "n.a",
        "s.a",
        "b.v",
        "n.v",
        "l.p",
        "l.l.c",
        "p.c",
        "pty",
        "bhd",
        "s.p.a",
        "a.g",
        "cf",
        "ch",
        "cl",
    ]
)
_CANDIDATE_BREAK = re.compile(r"\n[ \t\r]*\n\s*|\n|[.!?][\"”’')\]]*[ \t]+")
_SENTENCE_START = re.compile(r"[\"“'(\[]?[A-Z0-9]")
_WORD_BEFORE = re.compile(r"(?<![A-Za-z0-9.])([A-Za-z0-9.]+)[.!?][\"”’')\]]*[ \t]+$")


def _lower(text: str) -> str:
    """Lower-case without changing any offset (str.lower can lengthen a few non-ASCII characters)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _sentence_starts(text: str) -> list[int]:
    starts = [0]
    line_start = 0
    for match in _CANDIDATE_BREAK.finditer(text):
        piece = match.group()
        end = match.end()
        if piece[0] == "\n":
            line = text[line_start : match.start()].rstrip()
            line_start = match.start() + 1 if "\n" not in piece[1:] else end
            if "\n" in piece[1:] or not line or line[-1] in ".:;!?" or len(line.strip()) < 50:
                starts.append(end)
            continue
        if end >= len(text) or not _SENTENCE_START.match(text, end):
            continue
        before = _WORD_BEFORE.search(text, max(0, match.start() - 12), end)
        if before:
            word = before.group(1).lower()
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                continue
        starts.append(end)
    return starts


@dataclass
class Page:
    """One page's text with its sentences and a lazily built index of which sentences hold a keyword."""

    number: int
    text: str
    low: str = field(init=False)
    starts: list[int] = field(init=False)
    _keyword_sentences: dict[str, list[int]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.low = _lower(self.text)
        self.starts = _sentence_starts(self.text)

    def span(self, index: int) -> tuple[int, int]:
        """The [start, end) of sentence `index`, stripped of outer whitespace."""
        start = self.starts[index]
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.text)
        while start < end and self.text[start].isspace():
            start += 1
        while end > start and self.text[end - 1].isspace():
            end -= 1
        return start, end

    def sentences_with(self, keyword: str) -> list[int]:
        cached = self._keyword_sentences.get(keyword)
        if cached is not None:
            return cached
        found: list[int] = []
        at = self.low.find(keyword)
        while at >= 0:
            index = bisect_right(self.starts, at) - 1
            if not found or found[-1] != index:
                found.append(index)
            next_start = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.low)
            at = self.low.find(keyword, max(at + 1, next_start))
        self._keyword_sentences[keyword] = found
        return found

    def candidates(self, keywords: tuple[str, ...]) -> list[int]:
        """Indices, in reading order, of the sentences holding at least one of the keywords."""
        if len(keywords) == 1:
            return self.sentences_with(keywords[0])
        merged: set[int] = set()
        for keyword in keywords:
            merged.update(self.sentences_with(keyword))
        return sorted(merged)


def _quote_span(page: Page, start: int, end: int, hit_start: int, hit_end: int) -> tuple[int, int]:
    """Trim a long sentence to a window of at most MAX_QUOTE characters around the hit, on word boundaries."""
    if end - start <= MAX_QUOTE:
        return start, end
    lo = max(start, min(hit_start - 150, hit_end - MAX_QUOTE + 50))
    if lo > start:
        space = page.text.find(" ", lo, lo + 40)
        lo = space + 1 if space >= 0 else lo
    hi = min(end, lo + MAX_QUOTE)
    if hi < end:
        space = page.text.rfind(" ", hi - 60, hi)
        hi = space if space > lo else hi
    while hi > lo and page.text[hi - 1].isspace():
        hi -= 1
    return lo, hi


@dataclass
class Hit:
    rule: Rule
    page: Page
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.page.text[self.start : self.end]


_DEFINITION = re.compile(
    r"(?:\(?[a-z0-9]{1,4}[.)]\s*)*(?:\d+(?:\.\d+)*\s+)?[\"“][^\"”]{1,80}[\"”]\s*(?:,\s*)?(?:shall\s+)?(?:means?|refers?\s+to|has\s+the\s+meaning|shall\s+have\s+the\s+meaning|includes?|as\s+used)"
)
_RECITAL = re.compile(r"(?:whereas|recitals?)\b")
_TOC_ENTRY = re.compile(r"\b\d{1,3}\s+(?:\d+\.)+\d*\s+[a-z]")


def _is_boilerplate(rule: Rule, low: str, start: int) -> bool:
    """Definitions, recitals and table-of-contents lines mention clause words without being those clauses."""
    if not rule.in_definitions and _DEFINITION.match(low, start):
        return True
    if not rule.in_recitals and _RECITAL.match(low, start):
        return True
    return len(_TOC_ENTRY.findall(low, start, start + 300)) >= 2


def _find(rule: Rule, pages: list[Page], found: dict[str, list[Hit]]) -> None:
    hits = found.setdefault(rule.type, [])
    for page in pages:
        for index in page.candidates(rule.keywords):
            start, end = page.span(index)
            if rule.require is not None and not rule.require.search(page.low, start, end):
                continue
            if rule.also_require is not None and not rule.also_require.search(page.low, start, end):
                continue
            for match in rule.pattern.finditer(page.low, start, end):
                if rule.exclude is not None:
                    lo = max(start, match.start() - _CONTEXT_BEFORE)
                    hi = min(end, match.end() + rule.context_after)
                    if rule.exclude.search(page.low, lo, hi):
                        continue
                if _is_boilerplate(rule, page.low, start):
                    break
                q_start, q_end = _quote_span(page, start, end, match.start(), match.end())
                hits.append(Hit(rule, page, q_start, q_end))
                if len(hits) >= rule.max_hits:
                    return
                break


# --- key fields ------------------------------------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH_NAMES = (
    r"january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"
)
_DATE = re.compile(
    "|".join(
        [
            rf"(?P<ma>{_MONTH_NAMES})\.? (?P<da>\d{{1,2}})(?:st|nd|rd|th)?,? ?(?P<ya>(?:19|20)\d\d)",
            rf"(?P<db>\d{{1,2}})(?:st|nd|rd|th)? (?:day )?(?:of )?(?P<mb>{_MONTH_NAMES})\.?,? (?:in the year )?(?P<yb>(?:19|20)\d\d)",
            r"(?P<mc>\d{1,2})/(?P<dc>\d{1,2})/(?P<yc>(?:19|20)\d\d)",
            r"(?P<yd>(?:19|20)\d\d)-(?P<md>\d\d)-(?P<dd>\d\d)",
        ]
    ).replace(" ", r"\s*"),
    re.IGNORECASE,
)
_DATE_CUES = rx(
    r"effective (?:as of|on|date)",
    r"dated (?:as of )?",
    r"made (?:and entered into )?(?:as of|on|this)",
    r"entered into (?:as of|on|this|effective)",
    r"as of",
    r"\bthis \d",
    r"\bdate:",
)


def _date_from(match: re.Match[str]) -> date | None:
    g = match.groupdict()
    try:
        for m, d, y in (("ma", "da", "ya"), ("mb", "db", "yb"), ("mc", "dc", "yc"), ("md", "dd", "yd")):
            if g.get(y):
                month = _MONTHS[g[m].lower()] if g[m].isalpha() else int(g[m])
                return date(int(g[y]), month, int(g[d]))
    except (ValueError, KeyError):
        return None
    return None


def parse_date(text: str) -> date | None:
    """The first date written in `text` ("June 1, 2020", "1st day of June, 2020", "6/1/2020"), as a date."""
    for match in _DATE.finditer(text):
        found = _date_from(match)
        if found is not None:
            return found
    return None


_EFFECTIVE_DEFINED = re.compile(
    r"[\"“]?effective\s+date[\"”]?\s*(?:\)|shall\s+mean|means|is|of|:)", re.IGNORECASE
)


def _effective_date(head: str) -> date | None:
    """The effective or agreement date: a defined Effective Date, else the first date after a cue in the preamble."""
    low = _lower(head)
    for match in _DATE.finditer(head):
        found = _date_from(match)
        if found is None:
            continue
        before = low[max(0, match.start() - 80) : match.start()]
        if _DATE_CUES.search(before) or _EFFECTIVE_DEFINED.search(head, match.end(), match.end() + 40):
            return found
    return parse_date(head[:1500])


_LAW_SENTENCE = re.compile(
    r"(?:govern|constru|interpret|enforc|determin|subject)[^.;]{0,150}?\blaws?\s+(?:of|in)\s+(?P<place>[^,.;:()]{2,120})",
    re.IGNORECASE,
)
_LAW_STOP = re.compile(
    r"\s+(?:without|excluding|exclusive|applicable|as\s|except|other\s+than|that|which|in\s|regardless|including|to\s|"
    r"shall|will|notwithstanding|irrespective|applied|governing|and\s+(?:the\s+)?(?:federal|united\s+states|applicable|any|all|"
    r"its|their|of\s+the\s+united)|or\s+any|(?:and|or)\s+(?:shall|will|is)|for\s|with\s|by\s|without)",
    re.IGNORECASE,
)
_STATE_PREFIX = re.compile(
    r"^(?:the\s+)?(?:(?:state|commonwealth|province|district|government|kingdom)\s+of\s+)?(?:the\s+)?",
    re.IGNORECASE,
)


def _governing_law(text: str) -> str | None:
    """The jurisdiction named in a governing-law sentence: "Delaware", "England and Wales"."""
    for match in _LAW_SENTENCE.finditer(text):
        place = _LAW_STOP.split(match.group("place"), maxsplit=1)[0]
        place = _STATE_PREFIX.sub("", " ".join(place.split())).strip(" ,.'\"")
        if (
            not place
            or not place[0].isupper()
            or place.split()[0].lower() in {"this", "such", "any", "each", "its", "said"}
        ):
            continue
        if len(place.split()) > 6:
            continue
        if place.isupper():
            place = " ".join(
                w.capitalize() if w.lower() not in {"and", "of", "the"} else w.lower() for w in place.split()
            )
        return place
    return None


_BETWEEN = re.compile(
    r"\b(?:by\s+and\s+(?:between|among)|between|among)\s+(?P<body>.{10,1500}?)(?:\.\s|\n\s*\n|\bwhereas\b|\brecitals?\b|\bwitnesseth\b|\bbackground\b|$)",
    re.IGNORECASE | re.DOTALL,
)
_PARTY_SPLIT = re.compile(r"[;]|,?\s+and\s+(?=[A-Z][A-Za-z0-9&.,'’ -]{1,80}(?:,|\(|\s+a\s+|\s+an\s+))")
_ALIAS = re.compile(r"[\"“]([^\"”]{1,60})[\"”]")
_NAME_END = re.compile(
    r",?\s*\(|,\s+(?:a|an|the)\s|\s+(?:a|an)\s+(?:[A-Z][a-z]+\s+)?(?:corporation|company|limited|partnership|"
    r"[A-Z][a-z]+\s+(?:corporation|company|limited))|,\s+(?:with|having|whose|located|organized|incorporated|"
    r"registered|a\s)|\s+\(hereinafter|\s+hereinafter|,\s+(?:hereinafter)|\s+with\s+(?:its|offices|a\s+principal)",
)


_CORPORATE = re.compile(
    r"(?<![\w&])((?:(?:[A-Z0-9][\w&'’.-]*|of|and|de|&),?[ \t]+){0,6}?[A-Z][\w&'’.-]*,?[ \t]+"
    r"(?:Inc|Incorporated|LLC|L\.L\.C|Ltd|Limited|Corp|Corporation|Company|Co|LP|L\.P|LLP|N\.A|B\.V|BV|AG|GmbH|S\.A|SA|plc|PLC|Pty|PTY|INC|LTD|CORP|CORPORATION|COMPANY|LIMITED)\b\.?)"
)


def _corporate_parties(head: str) -> list[Party]:
    """Company names with a corporate suffix in the preamble, each with the defined term that follows it."""
    preamble = head[:2500]
    parties: list[Party] = []
    seen: set[str] = set()
    for match in _CORPORATE.finditer(preamble):
        name = " ".join(match.group(1).split()).strip(" ,")
        if name.split()[0].lower() in {"the", "this", "each", "such", "between", "and", "by", "among"}:
            name = name.split(" ", 1)[1] if " " in name else ""
        key = name.lower()
        if not name or key in seen:
            continue
        seen.add(key)
        alias = _ALIAS.search(preamble, match.end(), match.end() + 250)
        parties.append(Party(name=name, role=alias.group(1).strip() if alias else "party"))
        if len(parties) >= 6:
            break
    return parties


def _parties(head: str) -> list[Party]:
    between = _between_parties(head)
    corporate = _corporate_parties(head)
    if len(between) >= 2 and all(re.search(r"[A-Z]", p.name[:1]) for p in between):
        return between
    return corporate if len(corporate) >= len(between) else between


def _between_parties(head: str) -> list[Party]:
    match = _BETWEEN.search(head[:6000])
    if not match:
        return []
    body = " ".join(match.group("body").split())
    parties: list[Party] = []
    for chunk in _PARTY_SPLIT.split(body):
        chunk = chunk.strip(" ,")
        if not chunk:
            continue
        end = _NAME_END.search(chunk)
        name = chunk[: end.start()] if end else chunk[:80]
        name = name.strip(" ,:")
        if name.lower().startswith("and "):
            name = name[4:]
        if not name or len(name) > 120 or not re.search(r"[A-Za-z]", name):
            continue
        alias = _ALIAS.search(chunk)
        role = alias.group(1).strip() if alias else "party"
        if (
            name.lower().strip('"“”') in {"the parties", "parties", "the company", "company"}
            and alias is None
        ):
            continue
        parties.append(Party(name=name.strip('"“” '), role=role))
        if len(parties) >= 6:
            break
    return parties


_DURATION = (
    r"(?:(?:an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|eighteen|twenty|"
    r"twenty-four|thirty|thirty-six|sixty|ninety|\d+)\s*(?:\(\s*\d+\s*\)\s*)?[- ]?(?:additional\s+|consecutive\s+|"
    r"calendar\s+|business\s+|contract\s+)?(?:year|month|day|week)s?)"
)
_INITIAL_TERM = re.compile(
    rf"(?:initial\s+term|term\s+of\s+this\s+agreement|this\s+agreement)[^.]{{0,160}}?(?:period\s+of|for|of|is|be)\s+(?P<d>{_DURATION})",
    re.IGNORECASE,
)
_RENEWAL_SPAN = re.compile(
    rf"(?P<d>(?:successive|additional|consecutive|further|subsequent)?\s*(?:\w+\s+){{0,2}}?{_DURATION}(?:\s+(?:renewal\s+)?(?:periods?|terms?))?)",
    re.IGNORECASE,
)
_NOTICE_SPAN = re.compile(
    rf"(?P<d>(?:at\s+least\s+|not\s+less\s+than\s+|no\s+less\s+than\s+)?{_DURATION})", re.IGNORECASE
)


_LEADING_FILLER = re.compile(r"^(?:(?:renewal|terms?|periods?|of)\s+)+", re.IGNORECASE)
_BEFORE_DEADLINE = re.compile(r"^[^.;]{0,40}?\b(?:prior|before|in\s+advance|preceding)\b", re.IGNORECASE)


def _notice_duration(text: str) -> re.Match[str] | None:
    """The notice period in a non-renewal clause: the duration that comes before a deadline ("sixty days
    before the end of the term"), not the renewal period that may stand next to the word "notice"."""
    fallback = None
    for match in _NOTICE_SPAN.finditer(text):
        before = text[max(0, match.start() - 25) : match.start()].lower()
        if re.search(r"(?:successive|additional|consecutive|further|\bfor|terms?\s+of)\s*$", before):
            continue
        if _BEFORE_DEADLINE.match(text, match.end()):
            return match
        if fallback is None and "notice" in text[max(0, match.start() - 60) : match.start()].lower():
            fallback = match
    return fallback


def _term(found: dict[str, list[Hit]], text: str) -> Term | None:
    initial = None
    for match in _INITIAL_TERM.finditer(text):
        matched = match.group(0).lower()
        if "renew" in matched:  # "shall renew for successive terms of…" is the renewal
            continue
        if re.match(r"an?\s", match.group("d"), re.IGNORECASE) and "period" not in matched:
            continue  # "sponsorship of a Day": an article alone makes a duration only after "a period of"
        initial = " ".join(match.group("d").split())
        break
    renewal = None
    for hit in found.get("renewal_term", []):
        low = hit.text.lower()
        if "year to year" in low or "year-to-year" in low:
            renewal = "year to year"
            break
        if "month to month" in low or "month-to-month" in low:
            renewal = "month to month"
            break
        spans = list(_RENEWAL_SPAN.finditer(hit.text))
        if spans:
            best = next(
                (
                    m
                    for m in spans
                    if re.match(r"\s*(?:successive|additional|consecutive)", m.group("d"), re.I)
                ),
                spans[0],
            )
            renewal = _LEADING_FILLER.sub("", " ".join(best.group("d").split()))
            break
    notice = None
    for hit in found.get("notice_period_to_terminate_renewal", []):
        notice_match = _notice_duration(hit.text)
        if notice_match:
            notice = " ".join(notice_match.group("d").split())
            break
    if initial is None and renewal is None and notice is None:
        return None
    return Term(initial=initial, renewal=renewal, notice_period=notice)


# --- risks, recommendations and summary ------------------------------------------------------------------------

_DAYS_IN = {"day": 1, "week": 7, "month": 30, "year": 365}
_WORD_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "eighteen": 18, "twenty": 20, "thirty": 30,
    "sixty": 60, "ninety": 90,
}  # fmt: skip


def _days(duration: str | None) -> int | None:
    if not duration:
        return None
    match = re.search(
        r"(\d+|[a-z]+)\s*(?:\(\s*(\d+)\s*\)\s*)?[- ]?(?:\w+\s+)?(year|month|day|week)", duration.lower()
    )
    if not match:
        return None
    number = int(match.group(2) or 0) or (
        int(match.group(1)) if match.group(1).isdigit() else _WORD_NUMBERS.get(match.group(1))
    )
    return number * _DAYS_IN[match.group(3)] if number else None


_EITHER_PARTY = re.compile(r"\b(?:either|each|any) party\b|\bthe parties\b|\bboth parties\b", re.IGNORECASE)
_BROAD_SCOPE = re.compile(
    r"worldwide|anywhere|throughout the world|any (?:country|territory|jurisdiction)|years?\b", re.IGNORECASE
)


@dataclass
class _Findings:
    risks: list[Risk] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)

    def add(
        self, severity: RiskLevel, title: str, detail: str, clause_type: str | None, advice: str, why: str
    ) -> None:
        self.risks.append(
            Risk(
                id=f"risk-{len(self.risks) + 1}",
                severity=severity,
                title=title,
                detail=detail,
                clause_type=clause_type,
            )
        )
        self.recommendations.append(
            Recommendation(
                id=f"rec-{len(self.recommendations) + 1}", text=advice, rationale=why, clause_type=clause_type
            )
        )


def _assess(found: dict[str, list[Hit]], term: Term | None, price_change: bool) -> _Findings:
    has = {kind for kind, hits in found.items() if hits}
    out = _Findings()
    if "uncapped_liability" in has:
        out.add(
            "high",
            "Liability is uncapped for some claims",
            "The liability limits do not apply to certain claims, so exposure for those is unlimited.",
            "uncapped_liability",
            "Ask for a separate cap on the carved-out claims (for example 2-3 times the annual fees) or narrow "
            "the carve-outs to third-party claims.",
            "Unlimited exposure on broad carve-outs can exceed the value of the whole contract.",
        )
    if "cap_on_liability" not in has:
        out.add(
            "high",
            "No limitation of liability found",
            "The contract does not appear to limit either party's liability or exclude indirect damages.",
            "cap_on_liability",
            "Ask for a cap equal to 12 months of fees and an exclusion of indirect and consequential damages.",
            "Without a limit, a single claim could cost far more than the contract is worth.",
        )
    if "renewal_term" in has:
        notice_days = _days(term.notice_period if term else None)
        long_window = notice_days is not None and notice_days >= 60
        out.add(
            "medium" if long_window else "low",
            "Automatic renewal" + (" with a long notice window" if long_window else ""),
            "The contract renews unless notice is given"
            + (f" {term.notice_period} before the end of the term." if term and term.notice_period else "."),
            "renewal_term",
            "Diarise the non-renewal deadline, and ask to shorten the notice window to 30 days or make renewal "
            "opt-in.",
            "Missing the notice window locks you into another full term.",
        )
    if "termination_for_convenience" in has:
        texts = " ".join(h.text for h in found["termination_for_convenience"])
        mutual = bool(_EITHER_PARTY.search(texts))
        out.add(
            "low" if mutual else "medium",
            "Termination without cause" + ("" if mutual else " (possibly one-sided)"),
            "A party may end the contract without giving a reason."
            + ("" if mutual else " The wording suggests only one party has this right."),
            "termination_for_convenience",
            "Make the right to terminate for convenience mutual, with at least 60 days' notice and payment for "
            "work done.",
            "A one-sided exit right leaves the other party carrying the investment risk.",
        )
    if "non_compete" in has:
        broad = any(_BROAD_SCOPE.search(h.text) for h in found["non_compete"])
        out.add(
            "high" if broad else "medium",
            "Non-compete restriction",
            "A party is barred from competing"
            + (", apparently broadly in time or territory." if broad else "."),
            "non_compete",
            "Limit the non-compete to the products covered by this contract, the contract territory and no more "
            "than 12 months after termination.",
            "Broad non-competes can block future business and may be unenforceable anyway.",
        )
    if "exclusivity" in has:
        out.add(
            "medium",
            "Exclusivity",
            "A party must deal exclusively with the other, or the other gets exclusive rights.",
            "exclusivity",
            "Tie exclusivity to minimum performance targets and allow it to lapse if they are missed.",
            "Exclusivity without performance commitments can leave you locked in with an under-performing partner.",
        )
    if "ip_ownership_assignment" in has:
        out.add(
            "medium",
            "Intellectual property assignment",
            "Rights in work created under the contract pass to one party.",
            "ip_ownership_assignment",
            "Exclude your pre-existing IP and general know-how from the assignment and take back a licence to "
            "anything you need.",
            "An unqualified assignment can transfer tools and know-how you rely on for other clients.",
        )
    if "liquidated_damages" in has:
        out.add(
            "medium",
            "Liquidated damages or termination fee",
            "A fixed amount is payable on breach or early termination.",
            "liquidated_damages",
            "Check the amount is a genuine pre-estimate of loss and ask for it to decline over the term.",
            "Fixed sums are payable regardless of the actual loss and may be unenforceable penalties.",
        )
    if "minimum_commitment" in has:
        out.add(
            "medium",
            "Minimum commitment",
            "A party must buy, sell or pay a minimum amount.",
            "minimum_commitment",
            "Ask for the minimum to be reduced when demand falls, or to roll shortfalls into the next period.",
            "Minimums are owed even if the business does not need the volume.",
        )
    if price_change:
        out.add(
            "medium",
            "Unilateral price changes",
            "One party may change prices or fees on its own.",
            "payment_terms",
            "Cap price increases (for example at CPI or 5% a year) and require 90 days' notice with a right to "
            "terminate.",
            "Open-ended price changes make the cost of the contract unpredictable.",
        )
    if "change_of_control" in has:
        out.add(
            "low",
            "Change of control",
            "A merger or sale of a party can trigger consent or termination rights.",
            "change_of_control",
            "Check whether a future sale of your business would need the other party's consent, and narrow it "
            "to acquisitions by direct competitors.",
            "Change-of-control rights can hold up or devalue a sale of the business.",
        )
    if "anti_assignment" in has:
        out.add(
            "low",
            "Assignment needs consent",
            "The contract cannot be transferred without the other party's consent.",
            "anti_assignment",
            "Allow assignment without consent to affiliates and to a buyer of the business.",
            "Consent requirements can hold up reorganisations and sales.",
        )
    if "indemnification" in has:
        out.add(
            "medium",
            "Indemnities",
            "A party must cover the other's losses from certain claims.",
            "indemnification",
            "Make indemnities mutual, limited to third-party claims and subject to the liability cap.",
            "Indemnities are often outside the cap and can be the largest exposure in the contract.",
        )
    return out


_FOUND_NAMES = {
    "cap_on_liability": "a limitation of liability",
    "termination_for_convenience": "a right to terminate without cause",
    "renewal_term": "automatic renewal",
    "exclusivity": "exclusivity",
    "non_compete": "a non-compete",
    "ip_ownership_assignment": "an IP assignment",
    "license_grant": "a licence grant",
    "confidentiality": "confidentiality duties",
    "indemnification": "indemnities",
    "minimum_commitment": "minimum commitments",
    "liquidated_damages": "liquidated damages",
    "audit_rights": "audit rights",
    "insurance": "insurance requirements",
    "anti_assignment": "limits on assignment",
}


def _summary(parties: list[Party], effective: date | None, term: Term | None, law: str | None,
             found: dict[str, list[Hit]], findings: _Findings) -> str:  # fmt: skip
    has = [kind for kind, hits in found.items() if hits]
    if not has and not parties:
        return (
            "Little could be found in this document: no recognisable parties, dates or standard contract clauses. "
            "It may be very short, not a contract, or its text may not have been extracted properly."
        )
    sentences: list[str] = []
    if parties:
        names = [f"{p.name} ({p.role})" if p.role != "party" else p.name for p in parties[:4]]
        lead = "This contract is between " + (
            ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
        )
    else:
        lead = "This contract's parties could not be identified automatically"
    sentences.append(lead + (f", effective {effective.isoformat()}." if effective else "."))
    bits = []
    if term and term.initial:
        bits.append(f"runs for an initial {term.initial}")
    if term and term.renewal:
        bits.append(
            f"renews for {term.renewal}"
            + (f" unless notice is given {term.notice_period} ahead" if term.notice_period else "")
        )
    if law:
        bits.append(f"is governed by the law of {law}")
    if bits:
        sentences.append("It " + ", ".join(bits[:-1]) + (" and " if len(bits) > 1 else "") + bits[-1] + ".")
    notable = [_FOUND_NAMES[kind] for kind in _FOUND_NAMES if kind in has]
    if notable:
        sentences.append(
            "It contains "
            + ", ".join(notable[:-1])
            + (" and " if len(notable) > 1 else "")
            + notable[-1]
            + "."
        )
    high = [risk.title.lower() for risk in findings.risks if risk.severity == "high"]
    if high:
        sentences.append("Points to look at first: " + "; ".join(high[:3]) + ".")
    else:
        sentences.append(f"{len(findings.risks)} points are flagged for review, none of them high risk.")
    count = sum(len(hits) for hits in found.values())
    sentences.append(
        f"{count} clauses were found by pattern matching; a lawyer should confirm anything important."
    )
    return " ".join(sentences[:5])


# --- entry point -----------------------------------------------------------------------------------------------


def analyze_offline(pages: list[str], document_id: str) -> Analysis:
    """Analyse a contract given as the text of its pages, without any network access."""
    doc = [Page(number, text) for number, text in enumerate(pages, start=1)]
    found: dict[str, list[Hit]] = {}
    for rule in RULES:
        _find(rule, doc, found)

    head = "\n".join(page.text for page in doc)[:8000]
    parties = _parties(head)
    effective = _effective_date(head[:5000])
    law = None
    for hit in found.get("governing_law", []):
        law = _governing_law(hit.page.text[hit.start : min(len(hit.page.text), hit.end + 300)])
        if law:
            break
    if law is None and found.get("governing_law"):
        law = next((place for page in doc if (place := _governing_law(page.text))), None)
    term = _term(found, "\n".join(page.text for page in doc))
    price_change = any(UNILATERAL_PRICE_CHANGE.search(page.low) for page in doc)
    findings = _assess(found, term, price_change)

    clauses = [
        Clause(
            type=hit.rule.type,
            title=hit.rule.title,
            text=hit.text,
            page=hit.page.number,
            risk=hit.rule.risk,
            explanation=hit.rule.explanation,
        )
        for hits in found.values()
        for hit in hits
    ]
    analysis = Analysis(
        document_id=document_id,
        analyzer="offline",
        model=None,
        summary=_summary(parties, effective, term, law, found, findings),
        parties=parties,
        effective_date=effective,
        term=term,
        governing_law=law,
        clauses=clauses,
        risks=findings.risks,
        recommendations=findings.recommendations,
    )
    return analysis  # worker.analyze verifies every quote, once, for both analyzers
