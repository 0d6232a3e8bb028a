"""The jurisdiction an express choice-of-law clause names ("Delaware", "England and Wales"), or None."""

from __future__ import annotations

import re

# Jurisdictions named by their usual short form; a longer name wins over its prefix ("New York" over "New").
JURISDICTIONS: tuple[str, ...] = (
    # United States
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut", "Delaware", "Florida",
    "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa", "Kansas", "Kentucky", "Louisiana", "Maine",
    "Maryland", "Massachusetts", "Michigan", "Minnesota", "Mississippi", "Missouri", "Montana", "Nebraska",
    "Nevada", "New Hampshire", "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota", "Ohio",
    "Oklahoma", "Oregon", "Pennsylvania", "Rhode Island", "South Carolina", "South Dakota", "Tennessee", "Texas",
    "Utah", "Vermont", "Virginia", "Washington", "West Virginia", "Wisconsin", "Wyoming", "District of Columbia",
    "Puerto Rico",
    # Canada and Australia
    "Ontario", "Quebec", "British Columbia", "Alberta", "Manitoba", "Saskatchewan", "Nova Scotia", "New Brunswick",
    "New South Wales", "Victoria", "Queensland",
    # Countries and other places
    "England and Wales", "England", "Scotland", "Northern Ireland", "Ireland", "United Kingdom", "United States",
    "Canada", "Australia", "New Zealand", "Germany", "France", "Switzerland", "Netherlands", "The Netherlands",
    "Belgium", "Luxembourg", "Sweden", "Norway", "Denmark", "Finland", "Spain", "Portugal", "Italy", "Austria",
    "Israel", "India", "Singapore", "Hong Kong", "Hong Kong SAR", "People's Republic of China", "China", "Japan",
    "Korea", "Republic of Korea", "Taiwan", "Malaysia", "Thailand", "Indonesia", "Philippines", "Vietnam",
    "Brazil", "Mexico", "Argentina", "Chile", "Cayman Islands", "British Virgin Islands", "Bermuda", "Cyprus",
    "Malta", "South Africa", "United Arab Emirates", "Dubai", "Russia", "Russian Federation", "Poland",
    "Czech Republic", "Hungary", "Greece", "Turkey",
)  # fmt: skip
_KNOWN = re.compile(
    r"(?:"
    + "|".join(re.escape(j).replace(r"\ ", r"\s+") for j in sorted(JURISDICTIONS, key=len, reverse=True))
    + r")(?![\w])",
    re.IGNORECASE,
)
_CANONICAL = {" ".join(j.lower().split()): j for j in JURISDICTIONS}

_PLACE = r"(?P<place>[^,.;:()]{2,120})"
# "laws of", "laws and judicial decisions of", "laws, other than choice of law rules, of"
_LAWS_OF = r"\blaws?(?:\s+and\s+[a-z]+(?:\s+[a-z]+)?|,[^,.;]{0,60},)?\s+(?:of|in)\s+"
_STRONG_VERB = r"(?:govern|constru|interpret|resolv|decid)"
_WEAK_VERB = r"(?:enforc|determin|subject|appl(?:y|ies|ied))"
# Sentences choosing a law, each capturing what follows "laws of" (or the words before "law"). The first tier
# says "governed" or "construed"; the second ("enforced", "subject to") counts only when the first finds none.
_CHOICE_TIERS: tuple[tuple[re.Pattern[str], ...], ...] = (
    (
        re.compile(rf"{_STRONG_VERB}[^.;]{{0,150}}?{_LAWS_OF}{_PLACE}", re.IGNORECASE),
        re.compile(
            rf"{_LAWS_OF}{_PLACE}[^.;]{{0,150}}?\b(?:will|shall)\s+(?:govern|apply|control)", re.IGNORECASE
        ),
        re.compile(
            r"(?P<place>(?:[A-Z][\w'’]+[ \t]+){0,3}[A-Z][\w'’]+)\s+[Ll]aw\s+(?:will|shall|is\s+to)?\s*(?:govern|appl(?:y|ies)|control)"
        ),
        re.compile(
            r"(?:governed|construed|interpreted)\s+(?:by|under|in\s+accordance\s+with)\s+(?:the\s+)?(?:substantive\s+|internal\s+)?"
            r"(?P<place>(?:[A-Z][\w'’]+[ \t]+){0,3}[A-Z][\w'’]+)\s+[Ll]aws?\b"
        ),
    ),
    (re.compile(rf"{_WEAK_VERB}[^.;]{{0,150}}?{_LAWS_OF}{_PLACE}", re.IGNORECASE),),
)
# Laws named by an adjective or an abbreviation: "English law", "PRC Law".
ADJECTIVES: dict[str, str] = {
    "english": "England", "scottish": "Scotland", "scots": "Scotland", "irish": "Ireland", "german": "Germany",
    "french": "France", "swiss": "Switzerland", "dutch": "Netherlands", "italian": "Italy", "spanish": "Spain",
    "swedish": "Sweden", "israeli": "Israel", "indian": "India", "chinese": "China", "prc": "People's Republic of China",
    "japanese": "Japan", "korean": "Korea", "canadian": "Canada", "australian": "Australia", "singapore": "Singapore",
    "hong kong": "Hong Kong", "brazilian": "Brazil", "mexican": "Mexico", "luxembourg": "Luxembourg",
}  # fmt: skip
# "the laws of that State": the state named earlier in the sentence.
_ANAPHORA = re.compile(
    r"^(?:that|said|such|the\s+same)\s+(?:state|country|jurisdiction|province)\b", re.IGNORECASE
)
_NAMED_EARLIER = re.compile(
    r"(?:state|commonwealth|province)\s+of\s+(?P<place>[A-Z][\w ]{2,30}?)\s*[,(]", re.IGNORECASE
)
# A heading or cover-term label followed by the place alone: "Governing Law: Florida", "Governing Law\nColorado".
_LABELLED = re.compile(
    r"^[ \t]*(?:governing|choice\s+of|applicable)\s+law[ \t]*[:.\-–—]?[ \t]*\n?[ \t]*(?P<place>[^\n.;:]{2,60}?)[ \t]*\.?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_LAW_STOP = re.compile(
    r"\s+(?:without|excluding|exclusive|applicable|as\s|except|other\s+than|that|which|in\s|regardless|including|to\s|"
    r"shall|will|notwithstanding|irrespective|applied|governing|and\s+(?:the\s+)?(?:federal|united\s+states|applicable|"
    r"any|all|its|their|of\s+the\s+united|the\s+parties|each)|or\s+any|(?:and|or)\s+(?:shall|will|is)|for\s|with\s|by\s)",
    re.IGNORECASE,
)
_STATE_PREFIX = re.compile(
    r"^(?:the\s+)?(?:(?:state|commonwealth|province|district|government|kingdom|republic)\s+of\s+)?(?:the\s+)?",
    re.IGNORECASE,
)
_NOT_PLACES = frozenset(
    {
        "governing",
        "local",
        "other",
        "relevant",
        "foreign",
        "international",
        "common",
        "case",
        "this",
        "such",
        "any",
        "each",
        "its",
        "said",
        "federal",
        "applicable",
        "united",
        "state",
        "their",
        "his",
        "her",
    }
)


def jurisdiction(place_text: str) -> str | None:
    """The place a captured phrase names: a known jurisdiction at its start, else its leading capitalised words."""
    text = _STATE_PREFIX.sub("", " ".join(place_text.split()))
    if text.lower() in ADJECTIVES:
        return ADJECTIVES[text.lower()]
    known = _KNOWN.match(text)
    if known and known.group(0).lower() == "united states":
        # "the laws of the United States and the State of California": the state decides contract law
        state = re.match(
            r"(?:\s+of\s+America)?\s+and\s+(?:the\s+)?(?:state\s+of\s+)?", text[known.end() :], re.I
        )
        inner = _KNOWN.match(text, known.end() + state.end()) if state else None
        known = inner or known
    if known:
        return _CANONICAL.get(" ".join(known.group(0).lower().split()), known.group(0))
    place = _LAW_STOP.split(text, maxsplit=1)[0].strip(" ,.'\"")
    place = re.sub(r"\s+(?:and|or|the)$", "", place, flags=re.IGNORECASE)
    words = place.split()
    if not words or not place[0].isupper() or words[0].lower() in _NOT_PLACES or len(words) > 6:
        return None
    if any(w[0].islower() and w.lower() not in {"of", "and", "the"} for w in words):
        return None
    if place.isupper():
        place = " ".join(
            w.capitalize() if w.lower() not in {"and", "of", "the"} else w.lower() for w in words
        )
    return place


# "organized and existing under the laws of Delaware" says where a party was formed, not which law governs.
_FORMED = re.compile(
    r"(?:organi[sz]ed|incorporated|existing|formed|registered|chartered|standing|established)\b[^.;]{0,30}$",
    re.IGNORECASE,
)


def _known(place_text: str) -> str | None:
    known = _KNOWN.fullmatch(_STATE_PREFIX.sub("", " ".join(place_text.split())))
    return _CANONICAL.get(" ".join(known.group(0).lower().split()), known.group(0)) if known else None


def governing_law(text: str) -> str | None:
    """The jurisdiction of the first express choice of law in `text`, else None."""
    for match in _LABELLED.finditer(text):
        labelled = _known(match.group("place"))
        if labelled:
            return labelled
    windows = _windows_around_law(text)
    for tier in _CHOICE_TIERS:
        for lo, hi in windows:
            place = _first_choice(text, tier, lo, hi)
            if place:
                return place
    return None


def _first_choice(text: str, patterns: tuple[re.Pattern[str], ...], lo: int, hi: int) -> str | None:
    """The place of the earliest choice of law between lo and hi that one of the patterns finds."""
    best: tuple[int, str] | None = None
    for pattern in patterns:
        for match in pattern.finditer(text, lo, hi):
            if best is not None and match.start() >= best[0]:
                break
            if _FORMED.search(text, max(0, match.start("place") - 60), match.start("place")):
                continue
            place = jurisdiction(match.group("place"))
            if place is None and _ANAPHORA.match(match.group("place")):
                earlier = list(
                    _NAMED_EARLIER.finditer(text, max(lo, match.start() - 300), match.start("place"))
                )
                place = jurisdiction(earlier[-1].group("place")) if earlier else None
            if place:
                best = (match.start(), place)
                break
    return best[1] if best else None


def _windows_around_law(text: str) -> list[tuple[int, int]]:
    """Spans around each "law" in reading order, merged where they overlap: the choice patterns run only there."""
    low = text.lower()
    windows: list[tuple[int, int]] = []
    at = low.find("law")
    while at >= 0:
        lo, hi = max(0, at - 260), min(len(text), at + 200)
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], hi)
        else:
            windows.append((lo, hi))
        at = low.find("law", at + 3)
    return windows
