"""What kind of contract a document is, from its title first and from the words it uses throughout second."""

from __future__ import annotations

import re

from common.analysis import ContractType, Party

# Title words per type, tried in this order on each short line near the top (a convertible note is an
# investment before it is a promissory note; subscription terms are terms of service before they are services).
TITLE_CUES: tuple[tuple[ContractType, re.Pattern[str]], ...] = (
    ("terms_of_service", re.compile(r"terms\s+(?:of\s+(?:service|use)|and\s+conditions)|user\s+agreement|end[-\s]user|acceptable\s+use|membership|subscription\s+(?:agreement|terms|services)", re.I)),
    ("investment", re.compile(r"\bsafe\b|future\s+equity|convertible|(?:stock|share|unit)s?\s+(?:purchase|subscription)|investment\s+agreement|term\s+sheet", re.I)),
    ("loan", re.compile(r"\bloan\b|promissory\s+note|credit\s+agreement|income[-\s]shar|\bborrow|\bmortgage\b|repayment\s+agreement", re.I)),
    ("nda", re.compile(r"non[-\s]?disclosure|\bnda\b|confidentiality\s+agreement|secrecy\s+agreement", re.I)),
    ("lease", re.compile(r"\btenancy\b|\blease\b|\brental\s+agreement|\blet(?:ting)?\s+agreement", re.I)),
    ("employment", re.compile(r"employ|offer\s+letter|inventions?\s+assignment|restrictive\s+covenant|non[-\s]?compet|separation\s+agreement", re.I)),
    ("contractor", re.compile(r"contractor|consult|freelanc|internship|\bdeveloper\b|statement\s+of\s+work", re.I)),
    ("license", re.compile(r"licen[cs]e", re.I)),
    ("purchase", re.compile(r"purchase|\bsale\b|bill\s+of\s+sale", re.I)),
    ("services", re.compile(r"services?|supply|distribut|resell|agency|outsourc|maintenance|hosting|marketing|sponsor|endorse|co-?brand|franchise|joint\s+venture|alliance|collaborat|manufactur|development|cooperation|transportation|affiliate", re.I)),
)  # fmt: skip
# Without a title: the words that dominate the (lower-cased) text.
BODY_CUES: tuple[tuple[ContractType, re.Pattern[str]], ...] = (
    ("lease", re.compile(r"\btenants?\b|\blandlord\b")),
    ("employment", re.compile(r"\bemployee\b|\bemployer\b")),
    ("terms_of_service", re.compile(r"\byour?\b")),
)
_TITLE_LINES = 40
_TITLE_LENGTH = 80
_BODY_MINIMUM = 20
_BODY_CHARS = 30_000


def _title_lines(text: str) -> list[str]:
    lines = [line.strip() for line in text[:6000].splitlines()]
    return [line for line in lines if 3 <= len(line) <= _TITLE_LENGTH][:_TITLE_LINES]


def contract_type(text: str, parties: list[Party]) -> ContractType:
    """The contract's type: the first title line that names one, else the words the text uses most."""
    for line in _title_lines(text):
        if (
            not re.search(r"agreement|terms|contract|letter|note|lease|tenancy|order|safe\b", line, re.I)
            and not line.isupper()
        ):
            continue
        for kind, cue in TITLE_CUES:
            if cue.search(line):
                return kind
    low = text[:_BODY_CHARS].lower()
    counts = {kind: len(cue.findall(low)) for kind, cue in BODY_CUES}
    kind, count = max(counts.items(), key=lambda item: item[1])
    if count >= _BODY_MINIMUM:
        return kind
    if sum(p.kind == "organization" for p in parties) >= 2:
        return "services"
    return "other"
