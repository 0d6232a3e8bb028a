"""Rule-based contract analysis that needs no network: clause spotting, key fields, risks and recommendations."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from common.analysis import Analysis, Clause, Findings, Term
from common.framing import frame
from worker.clause_model import ClauseModel, judge, packaged_model
from worker.clause_rules import RULES, Rule
from worker.contract_type import contract_type
from worker.dates import effective_date
from worker.deadlines import find_deadlines
from worker.governing_law import governing_law
from worker.money import find_money
from worker.parties import find_parties, guess_perspective
from worker.quotes import quote_window
from worker.risk_finder import find_risks

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


_HEADING_WORDS = 6


def _is_heading(text: str) -> bool:
    """A bare heading ("GOVERNING LAW.", "12. Governing Law"): a quote of it would tell the reader nothing."""
    words = [w for w in re.split(r"\s+", text.strip(" .:")) if w and not w.rstrip(".)").isdigit()]
    if not words or len(words) > _HEADING_WORDS:
        return False
    letters = "".join(w for w in words if w.isalpha())
    return (bool(letters) and letters.isupper()) or all(
        w[:1].isupper() or w in {"of", "and", "to"} for w in words
    )


def _find(rule: Rule, pages: list[Page], found: dict[str, list[Hit]]) -> None:
    hits = found.setdefault(rule.type, [])
    for page in pages:
        quoted_to = 0
        for index in page.candidates(rule.keywords):
            start, end = page.span(index)
            if start < quoted_to:
                continue  # the sentence under a heading already quoted with it
            if _is_heading(page.text[start:end]) and index + 1 < len(page.starts):
                end = page.span(index + 1)[1]  # the heading with the sentence it heads
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
                q_start, q_end = quote_window(page.text, start, end, match.start(), match.end())
                hits.append(Hit(rule, page, q_start, q_end))
                quoted_to = end
                if len(hits) >= rule.max_hits:
                    return
                break


def rule_hits(doc: list[Page]) -> dict[str, list[Hit]]:
    """What the rules alone find, per clause type."""
    found: dict[str, list[Hit]] = {}
    for rule in RULES:
        _find(rule, doc, found)
    return found


_RULE_OF = {rule.type: rule for rule in RULES}


def _with_model(doc: list[Page], found: dict[str, list[Hit]], model: ClauseModel) -> None:
    """Let the learned clause model add the categories the rules missed and drop the ones it overrules."""
    verdict = judge(model, doc, {kind for kind, hits in found.items() if hits})
    for kind in verdict.drop:
        found[kind] = []
    for kind, unit in verdict.add.items():
        page = doc[unit.page]
        start, end = quote_window(page.text, unit.start, unit.end, unit.start, unit.start)
        found.setdefault(kind, []).append(Hit(_RULE_OF[kind], page, start, end))


# --- term ------------------------------------------------------------------------------------------------------

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


def analyze_offline(pages: list[str], document_id: str, clause_model: ClauseModel | None = None) -> Analysis:
    """Analyse a contract given as the text of its pages, without any network access."""
    doc = [Page(number, text) for number, text in enumerate(pages, start=1)]
    found = rule_hits(doc)
    _with_model(doc, found, clause_model or packaged_model())

    text = "\n".join(page.text for page in doc)
    parties = find_parties(text)
    effective = effective_date(text)
    law = governing_law(text)
    kind = contract_type(text, parties)
    money = find_money(pages)
    deadlines = find_deadlines(pages)
    term = _term(found, text)

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
        contract_type=kind,
        perspective=guess_perspective(parties),
        money=money,
        deadlines=deadlines,
    )
    # worker.analyze verifies every quote, once, for both analyzers; framing is pure and cheap
    return frame(analysis, analysis.perspective)
