"""What kind of contract a document is, from its title first and from the words it uses throughout second."""

from __future__ import annotations

import re
from dataclasses import dataclass

from common.analysis import ContractType, Party


@dataclass(frozen=True)
class TitleCue:
    """Title words that make a type; `requires`, when set, must also occur near the top of the document."""

    kind: ContractType
    title: re.Pattern[str]
    requires: re.Pattern[str] | None = None


def _cue(kind: ContractType, title: str, requires: str | None = None) -> TitleCue:
    return TitleCue(kind, re.compile(title, re.I), re.compile(requires, re.I) if requires else None)


# Tried in this order on each short line near the top (a convertible note is an investment before it is a
# promissory note; a subscription agreement is an investment when it sells shares, else terms of service).
TITLE_CUES: tuple[TitleCue, ...] = (
    _cue("investment", r"subscription\s+agreement", requires=r"\bshares?\b|\bsecurities\b|\bunits\b|\bstock\b"),
    _cue("terms_of_service", r"terms\s+(?:of\s+(?:service|use)|and\s+conditions)|user\s+agreement|end[-\s]user|acceptable\s+use|membership|subscription\s+(?:agreement|terms|services)"),
    _cue("investment", r"\bsafe\b|future\s+equity|convertible|(?:stock|share|unit)s?\s+(?:purchase|subscription)|investment\s+agreement|term\s+sheet"),
    _cue("loan", r"\bloan\b|promissory\s+note|credit\s+(?:agreement|card)|cardmember|income[-\s]shar|\bborrow|\bmortgage\b|repayment\s+agreement"),
    _cue("nda", r"non[-\s]?disclosure|\bnda\b|confidentiality\s+agreement|secrecy\s+agreement"),
    _cue("lease", r"\btenancy\b|\blease\b|\brental\s+agreement|\blet(?:ting)?\s+agreement"),
    _cue("employment", r"employ|offer\s+letter|inventions?\s+assignment|restrictive\s+covenant|non[-\s]?compet|separation\s+agreement"),
    _cue("contractor", r"contractor|consult|freelanc|internship|\bdeveloper\b|statement\s+of\s+work"),
    _cue("license", r"licen[cs]e"),
    _cue("purchase", r"purchase|\bsale\b|bill\s+of\s+sale"),
    _cue("services", r"services?|supply|distribut|resell|agency|outsourc|maintenance|hosting|marketing|sponsor|endorse|co-?brand|franchise|joint\s+venture|alliance|collaborat|manufactur|development|cooperation|transportation|affiliate"),
)  # fmt: skip
_REQUIRES_WITHIN = 5000
# Untitled documents whose opening says what they are (an offer letter has a salutation, not a title).
OPENING_CUES: tuple[tuple[ContractType, re.Pattern[str]], ...] = (
    (
        "employment",
        re.compile(
            r"\b(?:pleased|delighted|happy|excited) to offer you\b|\boffer(?:ing)? you (?:the |a |an )?(?:position|"
            r"role|job|employment)\b|\boffer of employment\b",
            re.I,
        ),
    ),
)
_OPENING_CHARS = 3000
# Without a title: the words that dominate the (lower-cased) text.
BODY_CUES: tuple[tuple[ContractType, re.Pattern[str]], ...] = (
    ("lease", re.compile(r"\btenants?\b|\blandlord\b")),
    ("employment", re.compile(r"\bemployee\b|\bemployer\b")),
    ("terms_of_service", re.compile(r"\byour?\b")),
)
_TITLE_LINES = 40
_TITLE_LENGTH = 80
_TITLE_WORDS = 12
_RUN_ON = re.compile(r"[.;]\s+\S")
_BODY_MINIMUM = 20
_BODY_CHARS = 30_000


def _title_lines(text: str) -> list[str]:
    """Short lines near the top that read as titles: no sentence running on inside them (a capitalised
    disclaimer wrapped into lines is no title: "…EMPLOYMENT PURSUITS. THE TOTAL AMOUNT…")."""
    lines = [line.strip() for line in text[:6000].splitlines()]
    return [
        line
        for line in lines
        if 3 <= len(line) <= _TITLE_LENGTH and len(line.split()) <= _TITLE_WORDS and not _RUN_ON.search(line)
    ][:_TITLE_LINES]


def contract_type(text: str, parties: list[Party]) -> ContractType:
    """The contract's type: the first title line that names one, else the words the text uses most."""
    for line in _title_lines(text):
        if (
            not re.search(r"agreement|terms|contract|letter|note|lease|tenancy|order|safe\b", line, re.I)
            and not line.isupper()
        ):
            continue
        for cue in TITLE_CUES:
            if cue.title.search(line) and (
                cue.requires is None or cue.requires.search(text, 0, _REQUIRES_WITHIN)
            ):
                return cue.kind
    for kind, opening in OPENING_CUES:
        if opening.search(text, 0, _OPENING_CHARS):
            return kind
    low = text[:_BODY_CHARS].lower()
    counts = {kind: len(cue.findall(low)) for kind, cue in BODY_CUES}
    kind, count = max(counts.items(), key=lambda item: item[1])
    if count >= _BODY_MINIMUM:
        return kind
    if sum(p.kind == "organization" for p in parties) >= 2:
        return "services"
    return "other"
