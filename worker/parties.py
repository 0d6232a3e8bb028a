"""Who a contract is between: names as written (a person's full name or an organisation's name, nothing
else), the role the contract defines for each, and whether each is a person or an organisation.

Sources, most reliable first: the preamble ("between X ("Tenant") and Y"), cover-term and signature labels
("Employee\\nMaya R. Delgado", "Client: Helen Yoshida, an individual"), definitions of the drafter
("Mozilla Corporation (referred to herein as "we," "us")"), company names in the preamble, and for terms that
never name their user, "You".
"""

from __future__ import annotations

import re
from collections import Counter

from common.analysis import Party, PartyKind
from worker.governing_law import JURISDICTIONS
from worker.roles import LABEL_ROLES, is_business, is_individual, is_role_word

MAX_PARTIES = 6
YOU = Party(name="You", role="You", kind="person")

_SUFFIX = (
    r"(?:Inc|Incorporated|LLC|L\.L\.C|Ltd|Limited|Corp|Corporation|Company|Co|LP|L\.P|LLP|N\.A|B\.V|BV|AG|GmbH|"
    r"S\.A|SA|S\.p\.A|plc|PLC|Pty|PTY|INC|LTD|CORP|CORPORATION|COMPANY|LIMITED|FSB|N\.V|NV|SE|KG)"
)
_HAS_SUFFIX = re.compile(rf"(?:^|[\s,]){_SUFFIX}\b\.?,?$|(?:^|[\s,]){_SUFFIX}\b")
_ORG_WORDS = re.compile(
    r"\b(?:bank|trust|fund|university|college|association|group|holdings?|partners|foundation|labs?|"
    r"technolog(?:y|ies)|systems|software|services|solutions|enterprises|industries|international|media|"
    r"capital|commons|pharma\w*|corporation|company|network|press|society|institute|council|authority|"
    r"agency|studios?|ventures|communications|bio|robotics|analytics)\b",
    re.IGNORECASE,
)
_CONNECTORS = frozenset({"of", "and", "de", "du", "la", "le", "the", "for", "&", "von", "van", "der", "y", "e", "da", "del", "dba", "d/b/a", "in", "on", "des", "di"})  # fmt: skip
_NOT_NAME_WORDS = frozenset(
    {
        "agreement", "section", "article", "exhibit", "schedule", "whereas", "dated", "date", "between", "among",
        "hereto", "hereinafter", "party", "parties", "signature", "name", "title", "none", "n/a", "by",
        "effective", "witness", "address", "this", "such", "each", "any", "said", "all", "stock", "shares",
        "that", "which", "who", "represent",
    }
)  # fmt: skip
_GENERIC_WORDS = frozenset(
    {j.lower() for name in JURISDICTIONS for j in name.split()}
    | {"corporation", "limited", "liability", "company", "inc", "llc", "ltd", "corp", "co", "partnership",
       "the", "a", "an", "of", "and", "state", "states", "united", "delaware", "general", "financial",
       "non-banking", "individual", "entity", "organization", "you", "we", "us", "our", "technology",
       "management", "international", "holdings", "group", "services", "partners"}
)  # fmt: skip
_LABEL_WORDS = frozenset(r.lower() for r in LABEL_ROLES)
# "2.1 Position. The Company", "Fee. The Company": a section number or a sentence break inside is no name.
_SECTION_OR_SENTENCE = re.compile(r"\d+\.\d|[a-z]{3,}\.\s+[A-Z]")
_PRONOUNS = frozenset({"we", "us", "our", "you", "your", "i", "me", "it"})
_PERSON = re.compile(
    r"^(?:(?:Dr|Mr|Mrs|Ms|Prof)\.?\s+)?[A-Z][\wÀ-ÿ'’-]+(?:\s+(?:[A-Z]\.|[A-Z][\wÀ-ÿ'’-]+)){1,3}$"
)


def _clean(name: str) -> str:
    name = " ".join(name.split())
    name = re.sub(
        r"^.*\b(?:19|20)\d\d\b[.,]?\s+(?=\S)", "", name
    )  # a date before the name: "April 7, 2020 Acme Inc."
    for _ in range(2):  # "and (2) NIGEL CROCKETT"
        name = re.sub(r"^(?:\(?[a-z0-9]{1,3}[.)]\s+)+", "", name)  # list numbering "1. ", "(a) "
        name = re.sub(r"^(?:and|of|between|among|by|with)\s+", "", name, flags=re.IGNORECASE)
    return name.strip(" ,;:\"“”'‘’*-")


def plausible_name(name: str, defined: bool = False) -> bool:
    """A person's or an organisation's name and nothing else: no sentence words, addresses or bare labels.

    `defined`: the text gives the name a defined term ("ebix.com, Inc. ("ebix")"), so lower case is allowed."""
    words = name.split()
    if not words or len(words) > 10 or len(name) > 100:
        return False
    suffixed = bool(_HAS_SUFFIX.search(name))
    if any(ch.isdigit() for ch in name) and (not suffixed or (name[0].isdigit() and len(words) < 3)):
        return False
    if _SECTION_OR_SENTENCE.search(name):
        return False
    if not (name[0].isupper() or name[0].isdigit() or defined):
        return False
    lowered = [w.lower().strip(',.()"“”') for w in words]
    if any(w in _NOT_NAME_WORDS for w in lowered):
        return False
    for word, low in zip(words, lowered, strict=True):
        if word[0].islower() and low not in _CONNECTORS and not defined and not re.match(r"[a-z]+\.com", low):
            return False
    if all(w in _GENERIC_WORDS or not w.strip(",.") for w in lowered):
        return False
    if is_role_word(name) or name.lower() in _LABEL_WORDS:
        return False  # a bare role ("Intern", "Security Firm") is not a name
    return (
        suffixed or len(words) >= 2 or name.isupper() or bool(re.search(r"[a-z][A-Z]", name)) or len(name) > 3
    )


def kind_of(name: str, role: str | None, said: str = "") -> PartyKind:
    """Person or organisation, from the name's shape, the role and what the text says of it (`said`: the words
    describing the party, "a Delaware corporation" or "an individual")."""
    if name == "You" or _INDIVIDUAL.search(said):
        return "person"
    if _HAS_SUFFIX.search(name) or _ORG_WORDS.search(name) or _ENTITY.search(said):
        return "organization"
    if role and not is_role_word(role) and role.lower() in name.lower():
        return "organization"  # a short name of the party as its label ("Blockchain Commons")
    return "person" if _PERSON.match(name) else "organization"


_INDIVIDUAL = re.compile(r"\ban\s+individual\b|\bresiding\s+at\b", re.IGNORECASE)
_ENTITY = re.compile(
    r"\b(?:corporation|company|limited|partnership|organi[sz]ed|incorporated|registered|entity|association)\b",
    re.IGNORECASE,
)


def _alias(text: str) -> str | None:
    """The defined term in a party's parentheses, preferring a name over a pronoun: ("Acme", "we", "us")."""
    for paren in re.finditer(r"\(([^()]{0,160})\)", text):
        terms = [
            re.sub(r"^the\s+", "", t.strip(" ,.;:"), flags=re.IGNORECASE)
            for t in re.findall(r"[\"“”]([^\"“”]{1,40})[\"“”]", paren.group(1))
        ]
        terms = [t for t in terms if t]
        if not terms:
            continue
        named = [t for t in terms if t.lower() not in _PRONOUNS]
        return named[0] if named else terms[0]
    return None


# --- the preamble: "between X ("A") and Y ("B")" --------------------------------------------------------------

_BETWEEN = re.compile(
    r"\b(?:by\s+and\s+(?:between|among)|between|among):?\s+(?P<body>.{4,1500}?)(?:(?<!\b[A-Z])(?<!\bInc)(?<!\bCo)(?<!\bLtd)(?<!\bCorp)(?<!\bNo)\.\s|\n\s*\n|\bwhereas\b|\brecitals?\b|"
    r"\bwitnesseth\b|\bbackground\b|\bnow,?\s+therefore\b|$)",
    re.IGNORECASE | re.DOTALL,
)
_PARTY_SPLIT = re.compile(
    r";|(?<=\)),\s+(?=[A-Z\"“])|,?\s+(?i:and)\s+(?=(?:you\b|[\"“]?[A-Z][\wÀ-ÿ&.,'’ -]{1,80}(?:,|\(|\s+a\s+|\s+an\s+|$)"
    r"|[a-z]\w*[.-][\w.-]+[^()]{0,60}\(\s*(?:the\s+)?[\"“]))"  # or a lower-case name ("ebix.com") given a defined term
)
_LIST_MARK = re.compile(r"^(?:and\s+)?(?:\(?[a-z0-9]{1,3}[.)]\s+)+", re.IGNORECASE)
_NAME_END = re.compile(
    r",?\s*\(|,\s+(?:a|an|the)\s|\s+(?:a|an)\s+(?:[A-Z][a-z]+\s+)?(?:corporation|company|limited|partnership|"
    r"individual|[A-Z][a-z]+\s+(?:corporation|company|limited))|,\s+(?:with|having|whose|located|organized|"
    r"incorporated|registered|residing|an?\s)|\s+(?:\(?hereinafter|residing|located|with\s+(?:its|offices|a\s+principal))"
    r"|\s+(?:on|at|as)\s+(?:behalf|[\d])|,?\s+(?:a/k/a|f/k/a|aka)\b|,\s+\d|\s+of\s+(?=[\d(])"
)


def _between(head: str) -> list[Party]:
    match = _BETWEEN.search(head[:6000])
    if not match:
        return []
    body = " ".join(match.group("body").split())
    found: list[Party] = []
    for chunk in _PARTY_SPLIT.split(body):
        chunk = _LIST_MARK.sub("", chunk.strip(" ,"))  # "and (2) NIGEL CROCKETT of (the "Employee")"
        if re.fullmatch(r"(?:you|yourself)\b.{0,60}", chunk, re.IGNORECASE):
            defined = _alias(chunk)  # 'you ("Customer")': the user, under the role the terms give
            found.append(
                YOU
                if defined is None or defined.lower() in _PRONOUNS
                else YOU.model_copy(update={"role": defined})
            )
            continue
        end = _NAME_END.search(chunk)
        name = _clean(chunk[: end.start()] if end else chunk[:100])
        role = _alias(chunk)
        if not plausible_name(name, defined=role is not None):
            continue
        if role is not None and _SHARED_ROLE.search(chunk):
            # "A and B (collectively, "Tenant")": the names just before without a role share it
            for index in range(len(found) - 1, -1, -1):
                if found[index].role is not None or found[index].name == "You":
                    break
                found[index] = found[index].model_copy(update={"role": role})
        found.append(Party(name=name, role=role, kind=kind_of(name, role, said=chunk[len(name) :][:160])))
    return found


_SHARED_ROLE = re.compile(r"\(\s*(?:the\s+)?(?:collectively|together|jointly)\b", re.IGNORECASE)


# --- labels: cover terms, filled forms, signature blocks -------------------------------------------------------

_ROLE_ALT = "|".join(re.escape(r).replace(r"\ ", r"\s+") for r in LABEL_ROLES)
# "Tenant: Ann Lee", "Tenant  Ann Lee", "Tenant\nAnn Lee", and (as PDF text often has it) "Tenant 1 Ann Lee": a
# single space only after a numbered label, when the rest of the line is two to five capitalised words
# ("Intern Payment Instructions" is a heading, not a name).
_LABELLED = re.compile(
    rf"^[ \t\-*•]*(?:name\s+of\s+(?:the\s+)?)?(?P<role>{_ROLE_ALT})(?:\(s\))?(?:['’]s)?(?:[ \t]+(?:full[ \t]+|legal[ \t]+)?name)?(?:\s+\d)?[ \t]*(?::[ \t]*|[ \t]{{2,}}|:?[ \t]*\n(?:[ \t]*\n)?(?:[ \t]*_{{3,}}[^\n]*\n)?[ \t]*|(?<=\d[ \t])(?-i:(?=(?:[A-Z][\w.'’-]*[ \t]+){{1,4}}[A-Z][\w.'’-]*[ \t]*$)))"
    r"(?P<name>[^\n]{2,140})",
    re.IGNORECASE | re.MULTILINE,
)
_LABEL_NAME_END = re.compile(
    r"\s+[—–-]\s|\s{2,}|,\s+(?:a|an|the)\s|\s+\(|\s+(?:by|signature|date|title|email|e-mail):",
    re.IGNORECASE,
)


def _labelled(text: str) -> list[Party]:
    found: list[Party] = []
    for match in _LABELLED.finditer(text):
        raw = match.group("name")
        end = _LABEL_NAME_END.search(raw)
        role = " ".join(match.group("role").split())
        role = role.title() if role.isupper() or role.islower() else role
        for name in _names_in_label(_clean(raw[: end.start()] if end else raw)):
            found.append(Party(name=name, role=role, kind=kind_of(name, role, said=raw[len(name) :])))
    return found


def _names_in_label(value: str) -> list[str]:
    """The names a label gives: one company, or people listed with commas and "and" ("John Smith and Jane Smith")."""
    if plausible_name(value) and _HAS_SUFFIX.search(value):
        return [value]
    people = [_clean(piece) for piece in re.split(r",\s*(?:and\s+)?|\s+and\s+|\s*&\s*", value)]
    if people and all(_PERSON.match(p) and plausible_name(p) for p in people):
        return people
    return []


# --- definitions and letters: 'by Jane Doe (the "Investor")', "Dear Ann Smith," ------------------------------

_DEFINED_ROLE = re.compile(
    r"(?P<name>(?:(?:Dr|Mr|Mrs|Ms)\.?\s+)?[A-Z][\wÀ-ÿ'’-]+(?:[ \t]+(?:[A-Z]\.|[A-Z][\wÀ-ÿ'’-]+)){1,3}),?[ \t]*"
    r"\((?:the\s+|hereinafter\s+|referred\s+to\s+(?:herein\s+)?as\s+)?[\"“](?P<role>[^\"”]{2,30})[\"”]"
)
_SALUTATION = re.compile(
    r"^[ \t]*Dear[ \t]+(?P<name>[A-Z][\wÀ-ÿ'’.-]*(?:[ \t]+[A-Z][\wÀ-ÿ'’.-]*){1,3})[ \t]*[,:]", re.M
)


def _defined(head: str) -> list[Party]:
    """People given a defined role the role tables know ("Jane Doe (the "Investor")"); companies come from the
    preamble, where a defined company name is more often a third party."""
    found: list[Party] = []
    for match in _DEFINED_ROLE.finditer(head):
        role = match.group("role").strip(" ,")
        name = _clean(match.group("name"))
        if (
            (is_individual(role) or is_business(role))
            and plausible_name(name)
            and kind_of(name, role) == "person"
        ):
            found.append(Party(name=name, role=role, kind="person"))
    return found


def _addressee(head: str) -> list[Party]:
    """The person a letter is addressed to ("Dear Ann Smith,"), who the letter calls "you"."""
    match = _SALUTATION.search(head)
    if match is None:
        return []
    name = _clean(re.sub(r"^(?:Mr|Mrs|Ms|Dr|Miss)\.?\s+", "", match.group("name")))
    return [Party(name=name, role="You", kind="person")] if plausible_name(name) else []


# --- the drafter of terms: "Mozilla Corporation (referred to herein as "we," "us")" ----------------------------

_WE_DEFINED = re.compile(
    r"(?P<name>(?:[A-Z][\w&'’.,-]*\s+){0,5}[A-Z][\w&'’.-]*,?)\s*\((?:[^()]{0,60}?)[\"“](?:we|us|our)[\"”,]",
)
_SUBJECT = re.compile(
    r"\b(?P<name>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2})\s+(?:may|will|can|reserves|gives|shall|does\s+not|is\s+not|"
    r"provides|offers)\b"
)
_NOT_SUBJECTS = frozenset(
    {"you", "we", "the", "this", "these", "if", "any", "each", "your", "our", "it", "they", "such", "no", "neither",
     "either", "nothing", "all", "that", "there", "he", "she", "services", "service", "terms", "agreement",
     "content", "user", "users", "customer", "party", "parties", "company", "notice", "payment", "section",
     "account", "accounts", "fees", "subscription", "privacy", "information", "data", "access", "use", "i", "a", "an"}
)  # fmt: skip


def _drafter(text: str) -> list[Party]:
    head = text[:8000]
    if not re.search(r"[\"“](?:we|us|our)[\"”,]", head):
        return []
    for match in _WE_DEFINED.finditer(head):
        name = _clean(match.group("name"))
        name = re.sub(r"^(?:(?:[A-Z][\w'’]*\s+){0,6}(?:by|of|to|and|from|with)\s+)", "", name)
        if plausible_name(name):
            return [
                Party(name=name, role=_alias(text[match.end("name") : match.end() + 80]), kind="organization")
            ]
    return []


def _main_subject(text: str) -> Party | None:
    """The business that terms speak of by name ("Mozilla may…", "Mozilla gives you…"), when it is plain."""
    counts = Counter(
        m.group("name")
        for m in _SUBJECT.finditer(text)
        if m.group("name").split()[0].lower() not in _NOT_SUBJECTS
    )
    if not counts:
        return None
    name, count = counts.most_common(1)[0]
    return Party(name=name, role=name, kind="organization") if count >= 3 and plausible_name(name) else None


# --- company names with a corporate suffix in the preamble -----------------------------------------------------

_CORPORATE = re.compile(
    r"(?<![\w&])((?:(?:[A-Z0-9][\w&'’.-]*|of|and|de|&),?[ \t]+){0,6}?[A-Z][\w&'’.-]*,?[ \t]+"
    rf"{_SUFFIX}\b\.?)"
)


_VERB = re.compile(r"\b(?:offers|provides|is|are|will|may|shall|agrees?)\b")


_PREAMBLE_END = re.compile(r"\b(?:whereas|recitals?|background|witnesseth)\b", re.IGNORECASE)
# EDGAR's page footer names the filer, who is often no party: "Source: ACME CORP, 10-K, 3/1/2019".
_SOURCE_FOOTER = re.compile(r"Source:\s*[^\n]{0,120}?\d{1,2}/\d{1,2}/\d{4}")


def _corporate(head: str) -> list[Party]:
    found: list[Party] = []
    preamble = head[:2500]
    end = _PREAMBLE_END.search(preamble, 200)
    preamble = preamble[: end.start()] if end else preamble
    for match in _CORPORATE.finditer(preamble):
        name = _clean(match.group(1))
        if name.split()[0].lower() in {"the", "this", "each", "such", "between", "and", "by", "among"}:
            name = name.split(" ", 1)[1] if " " in name else ""
        if not plausible_name(name):
            continue
        after = head[match.end() : match.end() + 250]
        before_paren = re.split(r"\.\s|\n\s*\n|\(", after, maxsplit=1)[0]
        alias = (
            None if _VERB.search(before_paren) else _alias(re.split(r"\.\s|\n\s*\n", after, maxsplit=1)[0])
        )
        found.append(Party(name=name, role=alias, kind="organization"))
    return found


# --- putting them together -------------------------------------------------------------------------------------


def _key(name: str) -> str:
    low = re.sub(r"[^a-z0-9 ]+", " ", name.lower())
    low = re.sub(rf"\b(?:{_SUFFIX.lower()})\b|\bthe\b", " ", low)
    return " ".join(low.split())


def _same(a: str, b: str) -> bool:
    x, y = _key(a), _key(b)
    return bool(x) and bool(y) and (x == y or (min(len(x), len(y)) >= 4 and (x in y or y in x)))


def _merge(groups: list[list[Party]]) -> list[Party]:
    merged: list[Party] = []
    for group in groups:
        for party in group:
            same = next((i for i, p in enumerate(merged) if _same(p.name, party.name)), None)
            if same is None:
                merged.append(party)
            elif merged[same].role is None and party.role is not None:
                merged[same] = merged[same].model_copy(update={"role": party.role})
    return merged[:MAX_PARTIES]


_YOU_WORDS = re.compile(r"\byou(?:r|rs)?\b")
# A text saying "you" this often (25 times, or in 1 % of its words when short) addresses its reader.
_YOU_MINIMUM = 25
_YOU_MINIMUM_SHORT = 8
_YOU_SHARE = 0.01


def find_parties(text: str) -> list[Party]:
    """The parties of the contract whose text (all pages, in order) is `text`."""
    text = _SOURCE_FOOTER.sub(" ", text)
    head = text[:8000]
    between = _between(head)
    labelled = _labelled(text)
    drafter = _drafter(text)
    groups = [between, drafter, labelled] if between else [drafter, labelled]
    parties = _merge([*groups, _defined(head[:3000]), _addressee(head[:3000])])
    if len([p for p in parties if p.name != "You"]) < 2:
        parties = _merge([parties, _corporate(head)])
    low = text.lower()
    you_words = len(_YOU_WORDS.findall(low)) if low.count("you") >= _YOU_MINIMUM_SHORT else 0
    addresses_you = you_words >= _YOU_MINIMUM or (
        you_words >= _YOU_MINIMUM_SHORT and you_words >= _YOU_SHARE * len(low.split())
    )
    if addresses_you and not any(p.kind == "organization" for p in parties):
        subject = _main_subject(text)
        if subject is not None:
            parties = _merge([parties, [subject]])
    if addresses_you and not any(p.kind == "person" for p in parties):
        parties = [*parties, YOU][:MAX_PARTIES]
    return parties


def guess_perspective(parties: list[Party]) -> str | None:
    """The role of the person facing a business, when the parties make it plain; else None."""
    people = [p for p in parties if p.kind == "person" and p.role and not is_business(p.role)]
    people = [
        p for p in people if is_individual(p.role) or not is_role_word(p.role or "")
    ]  # no "Distributor"
    preferred = [p for p in people if is_individual(p.role)] or people
    roles = {p.role for p in preferred}
    if len(roles) == 1 and any(p.kind == "organization" or is_business(p.role) for p in parties):
        return preferred[0].role
    if "You" in roles:
        return "You"
    return None
