"""Rule-based contract analysis that needs no network: clause spotting, key fields, risks and recommendations."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date

from common.analysis import Analysis, Clause, Findings, Party, Term
from common.framing import frame
from worker.clause_rules import RULES, Rule, rx
from worker.risk_finder import find_risks

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
        summary="",
        parties=parties,
        effective_date=effective,
        term=term,
        governing_law=law,
        clauses=clauses,
        findings=Findings(risks=find_risks(pages, parties)),
    )
    # worker.analyze verifies every quote, once, for both analyzers; framing is pure and cheap
    return frame(analysis, analysis.perspective)
