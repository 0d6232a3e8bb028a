"""Finding the risks a contract holds, each with its catalogue code, the roles it burdens and a verbatim quote.

The rules are in `worker.risk_rules`; this module reads the document's structure for them: sentences (the
quotes), headings (a rule can skip sections), guidance notes (not part of the agreement), the roles the document
gives its parties, and who acts in each matched sentence.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import ahocorasick_rs

from common.analysis import Party, Risk
from common.framing_table import INDIVIDUAL_ROLES, catalogue_title
from worker.quotes import quote_window
from worker.risk_rules import RISK_RULES, RiskRule

_WINDOW = 350  # a rule's pattern runs within this many characters of one of its keywords
YOU = "You"
WE = "We"  # the business behind "we" when no party names it

_KEYWORD_LIST = sorted({keyword for rule in RISK_RULES for keyword in rule.keywords})
_KEYWORDS = ahocorasick_rs.AhoCorasick(_KEYWORD_LIST)

# --- structure of a page --------------------------------------------------------------------------------------

_BREAK = re.compile(r"\n[ \t\r\f]*\n\s*|\n|[.!?;][\"”’')\]]*[ \t]+(?=[\"“'(\[]?[A-Z0-9•])")
_ABBREVIATION = re.compile(
    r"(?:\b(?:inc|corp|co|ltd|llc|no|sec|mr|mrs|ms|dr|st|vs|v|e\.g|i\.e|u\.s|etc)|\b[a-z])$", re.I
)
_HEADING = re.compile(
    r"^[ \t]*(?:(?:section|article|clause)\s+)?(?:[A-Z]?\d+(?:\.\d+)*\.?\s+)?(?P<title>[A-Z][^\n.;:]{1,70}?)[ \t]*\.?[ \t]*$",
    re.M,
)
_STATES = re.compile(r"\b(?:shall|will|may|must|agrees?|waives?|is|are|can|has|have|does|do)\b", re.I)
_NOTE_START = re.compile(r"^[ \t]*(?:guidance|drafting|explanatory|editor(?:’s|'s)?) notes?\b", re.I | re.M)
_CLAUSE_START = re.compile(r"^[ \t]*(?:[A-Z]?\d+(?:\.\d+)*\.?[ \t]+\S|section [a-z0-9]+\b)", re.I | re.M)


def _lower(text: str) -> str:
    """Lower-case without moving any offset (str.lower lengthens a few non-ASCII characters)."""
    low = text.lower()
    return low if len(low) == len(text) else "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _sentence_starts(text: str) -> list[int]:
    starts = [0]
    line_start = 0
    for match in _BREAK.finditer(text):
        piece = match.group()
        if piece[0] == "\n":
            line = text[line_start : match.start()].rstrip()
            line_start = match.end() if "\n" in piece[1:] else match.start() + 1
            if "\n" in piece[1:] or not line or line[-1] in ".:;!?" or len(line.strip()) < 60:
                starts.append(match.end())
            continue
        if piece[0] == "." and _ABBREVIATION.search(text, max(0, match.start() - 6), match.start()):
            continue
        starts.append(match.end())
    return starts


def _note_spans(text: str, continued: bool = False) -> list[tuple[int, int]]:
    """Guidance notes printed inside a model agreement, which say they are not part of it.

    `continued`: the previous page ended inside a note, which runs on to this page's first clause.
    """
    spans = []
    if continued:
        first = _CLAUSE_START.search(text)
        spans.append((0, first.start() if first else len(text)))
    for match in _NOTE_START.finditer(text):
        end = _CLAUSE_START.search(text, match.end())
        spans.append((match.start(), end.start() if end else len(text)))
    return spans


@dataclass
class _Page:
    text: str
    low: str
    notes: list[tuple[int, int]]

    @classmethod
    def read(cls, text: str, continued_note: bool = False) -> _Page:
        return cls(text, _lower(text), _note_spans(text, continued_note))

    @property
    def ends_in_note(self) -> bool:
        return bool(self.notes) and self.notes[-1][1] == len(self.text)

    def is_heading(self, start: int, end: int) -> bool:
        """A heading line ("Exclusive Venue.", "5.4 Market Standoff") names a term without stating it."""
        line = self.text[start:end].strip(" *#-•\t")
        if len(line) > 90 or "\n" in line:
            return False
        if _STATES.search(line):
            return False
        if line[-1:] not in ".;:!?":
            return True
        words = [w for w in re.findall(r"[A-Za-z][\w’'-]*", line) if len(w) > 3]
        return bool(words) and all(w[0].isupper() for w in words)

    @cached_property
    def headings(self) -> list[tuple[int, str]]:
        return [
            (m.start(), m.group("title").lower())
            for m in _HEADING.finditer(self.text)
            if len(m.group("title").split()) <= 10 and not m.group("title").rstrip().endswith(",")
        ]

    def sentence(self, at: int) -> tuple[int, int]:
        """The sentence around `at`, split from a window around it (pages can be long; matches are few)."""
        lo = self.text.rfind("\n", 0, at - 700) + 1 if at > 700 else 0
        hi = min(len(self.text), at + 1200)
        starts = [lo + offset for offset in _sentence_starts(self.text[lo:hi])]
        index = bisect_right(starts, at) - 1
        start = starts[index]
        end = starts[index + 1] if index + 1 < len(starts) else hi
        while start < end and self.text[start].isspace():
            start += 1
        while end > start and self.text[end - 1].isspace():
            end -= 1
        return start, end

    def heading(self, at: int) -> str | None:
        index = bisect_right(self.headings, (at, "\uffff")) - 1
        return self.headings[index][1] if index >= 0 else None

    @cached_property
    def keyword_at(self) -> dict[str, list[int]]:
        """Where each rule keyword occurs in the lower-cased page, found in one pass for all of them."""
        found: dict[str, list[int]] = {}
        for index, start, _ in _KEYWORDS.find_matches_as_indexes(self.low, overlapping=True):
            found.setdefault(_KEYWORD_LIST[index], []).append(start)
        return found

    def positions(self, keyword: str) -> list[int]:
        return self.keyword_at.get(keyword, [])

    def in_note(self, at: int) -> bool:
        return any(start <= at < end for start, end in self.notes)


# --- roles and who acts ---------------------------------------------------------------------------------------

ROLE_WORDS = (
    "Tenant", "Landlord", "Lessee", "Lessor", "Employee", "Employer", "Company", "Contractor", "Consultant",
    "Client", "Customer", "Developer", "Intern", "Holder", "Investor", "Participant", "Borrower", "Lender",
    "Licensee", "Licensor", "Provider", "Service Provider", "Supplier", "Vendor", "Buyer", "Seller", "Purchaser",
    "User", "Member", "Subscriber", "Guarantor", "Recipient", "Receiving Party", "Disclosing Party", "Owner",
    "Distributor", "Franchisee", "Franchisor", "Student", "Volunteer", "Creator", "Contributor", "Executive",
    "Worker", "Security Firm", "Agency", "Freelancer", "Artist", "Author", "Publisher", "Producer", "Occupant",
    "Resident", "Renter", "Patient", "Debtor", "Creditor", "Issuer", "Shareholder", "Partner", "Trainee",
    "Apprentice", "Applicant", "Candidate", "Driver", "Courier", "Talent", "Influencer", "Player", "Athlete",
    "Homeowner", "Guest", "Bank", "Platform", "Studio", "School", "Operator", "Manager", "Association", "Club",
    "Fund", "Firm", "Host", "Trustee",
)  # fmt: skip

_VERB = (
    r"(?:hereby |also |further |expressly |irrevocably |specifically |promptly |shall not |will not |may not |must not )?"
    r"(?:shall|will|may|must|can|cannot|could|agrees?|acknowledges?|consents|authori[sz]es?|gives?|grants?|"
    r"assigns?|reserves?|waives?|undertakes?|covenants?|represents?|warrants?|promises?|accepts?|is|are|has|have|"
    r"does|do|retains?|pays?|appoints?|licenses?|understands?|confirms?|need|needs|disclaims?|hereby)\b"
)
_SUBJECT = re.compile(
    (
        r"(?P<s>(?i:\b(?:either|each|both|neither|any) (?:party|side|parties|sides)\b|\bthe parties\b|\bwe each\b|"
        r"\beach of us\b|\byou\b|\bwe\b)|\b[A-Z][\w’'&-]*(?: [A-Z][\w’'&-]*){0,3})(?= (?i:" + _VERB + r"))"
    ).replace(" ", r"\s+")
)

_ROLE_WORDS = ahocorasick_rs.AhoCorasick(ROLE_WORDS)
_VERB_AFTER = re.compile((r"s? (?i:" + _VERB + r")").replace(" ", r"\s+"))


_POSSESSIVE = re.compile(r"(?P<s>(?i:\byour\b|\bmy\b)|\b[A-Z][\w&-]*(?: [A-Z][\w&-]*){0,2}(?=(?:’s|'s)\b))")
_MUTUAL = re.compile(
    r"\b(?:either|each|both|neither) (?:party|side|parties|sides|of us)\b|\bthe parties\b|\bwe each\b|\beach of us\b|"
    r"\bboth of us\b|\byou and (?:we|us)\b|\b(?:we|us) and you\b|\beither (?:you|\w+) or\b|"
    r"\byou and (?:the )?\w+ (?:are|agree|each|waive|will|shall|both)\b|\b\w+ and you (?:are|agree|each|waive|will|shall|both)\b",
    re.I,
)
_NOT_A_PARTY = frozenset(
    [
        "this",
        "that",
        "the",
        "it",
        "its",
        "agreement",
        "section",
        "sections",
        "terms",
        "term",
        "services",
        "service",
        "each",
        "any",
        "all",
        "nothing",
        "no",
        "such",
        "these",
        "those",
        "if",
        "when",
        "where",
        "upon",
        "in",
        "notwithstanding",
        "confidential",
        "information",
        "lawsuits",
        "intellectual",
        "property",
        "new",
        "rights",
        "policy",
        "policies",
        "premium",
        "paid",
        "plan",
        "work",
        "order",
        "dependencies",
        "contributions",
        "personnel",
        "note",
        "notes",
        "guidance",
        "cover",
        "company's",
        "either",
        "neither",
        "both",
        "party",
        "parties",
        "and",
        "or",
        "but",
        "unless",
        "during",
        "for",
        "to",
        "of",
        "on",
        "at",
        "by",
        "as",
        "after",
        "before",
        "under",
        "with",
        "without",
        "from",
        "except",
        "subject",
        "then",
        "there",
        "here",
        "other",
        "employment",
        "law",
        "laws",
        "court",
        "courts",
        "state",
        "federal",
        "all",
        "covered",
        "inventions",
        "materials",
        "information",
        "property",
        "rent",
        "deposit",
        "interest",
        "holders",
        "majority",
        "restricted",
        "period",
        "if",
        "any",
    ]
)


@dataclass(frozen=True)
class _Actor:
    kind: str  # "you", "we", "mutual", "named", "unknown"
    name: str = ""
    right: bool = False  # its verb gives it a right ("may enter") rather than a duty ("must give access")


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _key(role: str) -> str:
    return _singular(" ".join(role.casefold().replace("the ", " ").split()))


@dataclass
class _Roles:
    """The role labels a document gives its parties, and whether it speaks to its reader as "you"."""

    labels: dict[str, str]  # key -> label as written
    you: bool
    business: list[str]
    you_label: str = YOU

    @classmethod
    def read(cls, text: str, parties: Sequence[Party]) -> _Roles:
        """Roles from the parties and from role words used as subjects in the opening; "you" counted throughout."""
        labels: dict[str, str] = {}
        for party in parties:
            if party.role and party.role.lower() not in {"party", "you", "we", "us"}:
                labels.setdefault(_key(party.role), party.role)
        mentions: dict[str, int] = {}
        for index, start, end in _ROLE_WORDS.find_matches_as_indexes(text, overlapping=True):
            word = ROLE_WORDS[index]
            if (start and text[start - 1].isalnum()) or (
                end < len(text) and text[end].isalpha() and text[end] != "s"
            ):
                continue
            mentions[word] = mentions.get(word, 0) + 1
            if _key(word) not in labels and _VERB_AFTER.match(text, end):
                labels[_key(word)] = word
        # a contract speaks to its reader as "you" when "you" outnumbers its most used role label
        top_role = max((mentions.get(label, 0) for label in labels.values()), default=0)
        you_count = text.lower().count("you")
        you = you_count >= 4 and you_count > 2 * top_role
        business = [
            p.role or p.name for p in parties if p.kind == "organization" and (p.role or "").lower() != "you"
        ]
        # A letter may call its one named person "you" ("Dear Maya, you will report to …"): "you" is that role.
        people = [
            p.role
            for p in parties
            if p.kind == "person" and p.role and p.role.lower() not in {"you", "party"}
        ]
        return cls(labels, you, business, people[0] if len(set(people)) == 1 else YOU)

    def resolve(self, text: str, known_only: bool = False) -> _Actor:
        """Who a phrase names: you, we, both sides, a party's role, or nobody we know."""
        if _MUTUAL.search(text):
            return _Actor("mutual")
        if re.search(r"\byour?\b|\bmy\b", text, re.I) or re.search(r"\bI\b", text):
            return _Actor("you")  # the signer, whether the contract says "you" or "I"
        if re.search(r"\b(?:we|us|our)\b", text, re.I):
            return _Actor("we")
        low = " " + " ".join(text.casefold().split()) + " "
        for key, label in self.labels.items():
            if re.search(rf"(?<!majority )(?<!requisite )(?<!other )\b{re.escape(key)}s?\b", low):
                return _Actor("named", label)
        words = [w for w in re.findall(r"[A-Z][\w&-]*", text) if w.lower() not in _NOT_A_PARTY]
        if words and not known_only:
            return _Actor("named", " ".join(words[:3]))
        return _Actor("unknown")

    def against(self, actor: _Actor, burden: str) -> list[str]:
        """The roles a risk burdens, given who acts in it and whom the rule says that burdens."""
        if actor.kind in {"mutual", "unknown"}:
            return []
        if burden == "by_verb":
            burden = "others" if actor.right else "actor"
        elif burden == "payer":
            payer = actor.kind == "you" or _key(actor.name) in INDIVIDUAL_ROLES
            burden = "actor" if payer else "others"
        known = _key(actor.name) in self.labels
        if burden in {"actor", "owner"}:
            if actor.kind == "you":
                return [self.you_label]
            if actor.kind == "we":
                return self.business[:1] or [WE]
            return [self.labels[_key(actor.name)]] if known else []
        # the others: everyone but the one who acts
        if actor.kind == "you":
            return self.business[:1] or [WE]
        if self.you:
            return [self.you_label]
        if actor.kind == "we":
            return []
        mine = _key(actor.name)
        return [label for key, label in self.labels.items() if key != mine and key not in mine]


def _subject(text: str, limit: int | None = None) -> str | None:
    """The last subject (a party followed by a verb) that starts before `limit` in `text`."""
    found = _subject_match(text, limit)
    return found[0] if found else None


def _subject_match(text: str, limit: int | None = None) -> tuple[str, bool] | None:
    """The last subject before `limit`, and whether its verb gives it a right ("may", "reserves the right")."""
    last = None
    for match in _SUBJECT.finditer(text):
        if limit is not None and match.start() >= limit:
            break
        words = match.group("s").split()
        while words and words[0].lower() in {"the", "a", "an", "and", "or", "that", "if", "but", "then"}:
            words = words[1:]
        if (
            not words
            or " ".join(words).lower() in _NOT_A_PARTY
            or words[0].lower() in _NOT_A_PARTY - {"company"}
        ) and not (words and words[0].lower() in {"either", "each", "both", "neither", "we", "you"}):
            continue
        last = (" ".join(words), bool(_RIGHT.match(text, match.end())))
    return last


_RIGHT = re.compile(
    r"\s+(?:hereby\s+|also\s+|further\s+)?(?:may|can|could|reserves?|retains?|(?:is|shall be|will be)\s+entitled|"
    r"(?:has|shall have|will have)\s+the\s+right|is\s+permitted)\b",
    re.I,
)


def _possessor(text: str) -> str | None:
    found = [m.group("s") for m in _POSSESSIVE.finditer(text) if m.group("s").lower() not in _NOT_A_PARTY]
    return found[-1] if found else None


# --- the finder -----------------------------------------------------------------------------------------------


def _who(rule: RiskRule, page: _Page, match: re.Match[str], start: int, roles: _Roles) -> _Actor:
    group = next((name for name, value in match.groupdict().items() if value is not None), None)
    if group is not None:
        span = page.text[match.start(group) : match.end(group)]
        if rule.burden != "owner":
            named = _subject(span + " shall") or span
            return roles.resolve(named)
        named_owner = roles.resolve(span, known_only=True)
        if named_owner.kind != "unknown":
            return named_owner
    before = page.text[max(start, match.start() - 200) : match.start()]
    inside = page.text[match.start() : match.end()]
    if _MUTUAL.search(before[-80:] + inside[:80]):
        return _Actor("mutual")
    around = before + inside[:60]
    found = _subject_match(around, len(before))
    owner = _possessor(before[-120:] + inside)
    if rule.burden == "owner" and owner:
        return roles.resolve(owner, known_only=True)
    if found:
        actor = roles.resolve(found[0])
        return _Actor(actor.kind, actor.name, found[1])
    return roles.resolve(owner, known_only=True) if owner else _Actor("unknown")


def _matches(rule: RiskRule, page: _Page) -> Iterable[re.Match[str]]:
    """The rule's matches near its keywords: regions around each keyword, merged, searched once each."""
    spots = sorted(at for keyword in rule.keywords for at in page.positions(keyword))
    done = -1
    region_start = region_end = -1
    regions: list[tuple[int, int]] = []
    for at in spots:
        lo, hi = max(0, at - _WINDOW), min(len(page.low), at + _WINDOW)
        if lo <= region_end:
            region_end = max(region_end, hi)
        else:
            if region_end > 0:
                regions.append((region_start, region_end))
            region_start, region_end = lo, hi
    if region_end > 0:
        regions.append((region_start, region_end))
    for lo, hi in regions:
        for match in rule.pattern.finditer(page.low, lo, hi):
            if match.start() > done:
                done = match.start()
                yield match


def find_risks(pages: Sequence[str], parties: Sequence[Party] = ()) -> list[Risk]:
    """Every risk the rules find in the document, whichever side it burdens, in reading order."""
    read: list[_Page] = []
    for text in pages:
        read.append(_Page.read(text, continued_note=bool(read) and read[-1].ends_in_note))
    roles = _Roles.read("\n".join(pages), parties)
    found: list[Risk] = []
    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    for number, page in enumerate(read):

        def section(at: int, number: int = number) -> str:
            """The heading above `at`, looking back over earlier pages when this one has none before it."""
            for index in range(number, -1, -1):
                heading = read[index].heading(at if index == number else len(read[index].text))
                if heading is not None:
                    return heading
            return ""

        hits: list[tuple[int, Risk]] = []
        for rule in RISK_RULES:
            for match in _matches(rule, page):
                risk = _risk(rule, page, match, roles, section)
                if risk is None:
                    continue
                key = (risk.code, risk.title, tuple(risk.against))
                if key in seen:
                    continue
                seen.add(key)
                hits.append((match.start(), risk))
        hits.sort(key=lambda pair: pair[0])
        found.extend(risk for _, risk in hits)
    return [risk.model_copy(update={"id": f"risk-{n}"}) for n, risk in enumerate(found, start=1)]


def _risk(
    rule: RiskRule, page: _Page, match: re.Match[str], roles: _Roles, section: Callable[[int], str]
) -> Risk | None:
    if page.in_note(match.start()):
        return None
    start, end = page.sentence(match.start())
    if match.end() > end:
        end = page.sentence(max(match.end() - 1, start))[1]
    if page.is_heading(start, end):
        return None
    kept = rule.keep is not None and rule.keep.search(page.low, start, end)
    if not kept and rule.exclude is not None and rule.exclude.search(page.low, start, end):
        return None
    if not kept and rule.skip_sections is not None and rule.skip_sections.search(section(match.start())):
        return None
    actor = _who(rule, page, match, start, roles)
    q_start, q_end = quote_window(page.text, start, end, match.start(), match.end())
    title = rule.title or catalogue_title(rule.code)
    return Risk(
        id="",
        severity="medium",
        title=title,
        detail="",
        clause_type=rule.clause_type,
        code=rule.code,
        against=roles.against(actor, rule.burden),
        quote=page.text[q_start:q_end],
    )


def codes(risks: Iterable[Risk]) -> set[str]:
    return {risk.code for risk in risks}
