"""Patterns that find each clause category in contract text.

Every pattern runs on the lower-cased page. A literal space in a pattern means "any run of whitespace" (EDGAR
text is hard-wrapped and padded), so write patterns with single spaces and no spaces inside character classes.
A rule's `pattern` finds candidate spots in the page; the sentence around a spot must then satisfy `require`
and must not match `exclude` near the spot (negations, definitions and other look-alikes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from common.analysis import RiskLevel


def rx(*alternatives: str) -> re.Pattern[str]:
    """Compile alternatives into one pattern, a literal space standing for any whitespace."""
    body = "|".join(f"(?:{alt})" for alt in alternatives)
    return re.compile(body.replace(" ?", r"\s*").replace(" ", r"\s+"))


def gap(limit: int) -> str:
    """Up to `limit` characters within one sentence."""
    return f"[^.;]{{0,{limit}}}"


@dataclass(frozen=True)
class Rule:
    type: str
    title: str
    keywords: tuple[str, ...]
    pattern: re.Pattern[str]
    risk: RiskLevel
    explanation: str
    require: re.Pattern[str] | None = None
    also_require: re.Pattern[str] | None = None
    exclude: re.Pattern[str] | None = None
    max_hits: int = 2
    context_after: int = 100
    in_definitions: bool = False
    in_recitals: bool = False


NOT = r"(?:not|no|never|neither|nor|without)"
SHALL_NOT = r"(?:(?:shall|will|may|must|agrees? to|covenants? to|should) (?:not|never)|(?:shall|will|may) in no event)"
PARTY_LIABLE = r"(?:be )?(?:liable|responsible|obligated|have any liability|have no liability|bear)"
CONSEQUENTIAL = (
    r"(?:indirect|consequential|incidental|special|punitive|exemplary|lost profits|loss of profits)"
)
NUM = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|sixty|ninety)"
PERIOD_UNIT = r"(?:\(\d+\) )?(?:calendar |business )?(?:days?|months?|years?|weeks?)"
LICENSE = r"licen[cs]e"

RULES: tuple[Rule, ...] = (
    Rule(
        type="governing_law",
        title="Governing law",
        keywords=("law",),
        pattern=rx(
            rf"govern{gap(120)}\blaws? (?:of|in)\b",
            rf"(?:construed|interpreted|enforced|determined|governed){gap(120)}(?:accordance|compliance) with{gap(40)}\blaws?\b",
            rf"\blaws? of{gap(80)}(?:shall|will) (?:govern|apply|be applied)",
            r"governing law",
            r"applicable law (?:shall be|is) the law",
        ),
        require=rx(r"\blaws?\b"),
        exclude=rx(
            r"governing law[s]? (?:and regulations|applicable)",
            r"in accordance with (?:all )?applicable laws",
        ),
        risk="low",
        explanation="Sets which jurisdiction's law decides disputes; check it is one you can work with.",
        max_hits=1,
    ),
    Rule(
        type="anti_assignment",
        title="Restriction on assignment",
        keywords=("assign", "transfer", "delegat"),
        pattern=rx(
            rf"{NOT}{gap(120)}\b(?:assign|assigned|assignable|transfer|transferred|transferable)\b{gap(200)}(?:consent|approval|permission|agreement of)",
            rf"\b(?:assign|transfer){gap(160)}without{gap(60)}(?:consent|approval|permission)",
            rf"\bassign(?:ment|ed)?\b{gap(200)}(?:null and void|void|requires? the{gap(40)}consent|subject to{gap(40)}consent)",
            rf"(?:consent|approval) of the other part(?:y|ies){gap(60)}\bassign",
            rf"{SHALL_NOT}{gap(40)}\b(?:assign|transfer|delegate)\b{gap(80)}(?:this agreement|its rights|any (?:of )?its|any rights|obligations)",
            rf"(?:neither|no) party{gap(40)}\b(?:assign|transfer)\b",
            r"\bnot be (?:assignable|assigned|transferable)",
            r"\bnon-?assignable\b",
        ),
        exclude=rx(r"\bassigns? (?:and agrees? to assign )?to{gap(80)}(?:all )?(?:right, title|its entire)"),
        risk="medium",
        explanation="The contract cannot be handed to someone else without the other side's consent.",
    ),
    Rule(
        type="cap_on_liability",
        title="Limitation of liability",
        keywords=(
            "liab",
            "damages",
            "remed",
            "responsib",
            "consequential",
            "indirect",
            "incidental",
            "punitive",
            "exceed",
        ),
        pattern=rx(
            rf"(?:in no event|under no circumstances|neither party|no party){gap(250)}\b(?:liable|liability|responsible)\b{gap(300)}{CONSEQUENTIAL}",
            rf"(?:shall|will) not {PARTY_LIABLE}{gap(200)}{CONSEQUENTIAL}",
            rf"(?:not|no) (?:be )?(?:liable|responsible){gap(150)}(?:for any amount|in excess of|for damages of any kind)",
            rf"(?:aggregate|total|maximum|entire|cumulative|sole) (?:\w+ ){{0,3}}liability{gap(300)}(?:exceed|limited to|not to exceed|greater than|in excess of|be the|be limited)",
            rf"liability{gap(200)}(?:shall|will) (?:not exceed|be limited to|in no event exceed|be capped)",
            rf"(?:sole|exclusive) (?:and exclusive )?remed(?:y|ies){gap(200)}(?:shall be|will be|is|are)",
            r"limitation[s]? (?:of|on) (?:liability|damages)",
            rf"(?:disclaims?|waives?){gap(80)}(?:liability|claims?) for{gap(60)}{CONSEQUENTIAL}",
            rf"(?:not|no party shall) be entitled to (?:recover|claim){gap(100)}{CONSEQUENTIAL}",
            rf"{CONSEQUENTIAL}{gap(100)}(?:are|is) (?:hereby )?(?:excluded|disclaimed|waived)",
            rf"(?:in no event|under no circumstances){gap(200)}(?:liability|damages){gap(200)}exceed",
        ),
        exclude=rx(r"limitation of liability company", r"limited liability (?:company|partnership)"),
        risk="low",
        explanation="Limits how much can be claimed if things go wrong; check the limit also protects you and "
        "is not too low to cover your losses.",
    ),
    Rule(
        type="uncapped_liability",
        title="Carve-outs from the liability limits",
        keywords=("liab", "damages"),
        pattern=rx(
            rf"(?:except|excepting|other than|excluding|save) (?:for |with respect to |in (?:the )?(?:case|event)s? of |as |to the extent |in connection with |damages |liabilit\w+ |claims? |in cases of )?{gap(350)}(?:in no event|neither party|no party|shall not be liable|will not be liable|shall not exceed|liability|not be responsible)",
            rf"(?:limitations?|exclusions?|disclaimers?|limits?|cap|foregoing|this section|this article|preceding sentence){gap(120)}(?:shall|will|do|does) not (?:apply|limit|be construed to limit|restrict)",
            rf"nothing in this{gap(80)}(?:limit|exclude|restrict)s?{gap(40)}(?:liability|either party's liability|a party's liability)",
            rf"(?:liability|damages){gap(150)}(?:shall|will) (?:be )?(?:unlimited|not be limited)",
        ),
        require=rx(
            r"\bliab|damages",
        ),
        risk="high",
        explanation="Some claims (often indemnities, confidentiality or IP breaches) escape the liability "
        "cap, so exposure there is unlimited.",
    ),
    Rule(
        type="license_grant",
        title="License grant",
        keywords=("licen",),
        pattern=rx(
            rf"\bgrants?\b{gap(200)}\b(?:sub)?{LICENSE}\b",
            rf"\b(?:sub)?{LICENSE}[sd]? (?:is |are )?(?:hereby )?granted",
            r"\bis (?:hereby )?licensed to\b",
            r"(?:hereby )?(?:licenses|sublicenses) to\b",
            rf"\bgranted{gap(60)}(?:a|an|the) (?:\w+[ ,-]+){{0,6}}{LICENSE}\b",
            rf"right and {LICENSE} to",
            rf"{LICENSE} (?:to|under){gap(80)}\b(?:use|make|sell|reproduce|distribute|display|practice|manufacture|market|exploit)\b",
        ),
        exclude=rx(
            rf"(?:no|nothing){gap(80)}(?:grant|licen|right)",
            rf"(?:not|nor) (?:be )?(?:construed|deemed|interpreted) (?:as|to){gap(40)}(?:grant|confer|licen)",
            r"except as (?:expressly|specifically)",
            r"license fees?|licensing fees?",
        ),
        risk="medium",
        explanation="Gives permission to use the other party's IP; check scope, territory, exclusivity and duration.",
    ),
    Rule(
        type="audit_rights",
        title="Audit and inspection rights",
        keywords=("audit", "inspect", "examin", "review", "copy", "books", "records"),
        pattern=rx(
            r"\baudit(?:s|ed|ing|or|ors)?\b",
            rf"\b(?:inspect|examine|inspection|examination|review|copy)\b{gap(150)}\b(?:books|records|accounts|facilit(?:y|ies)|premises|plants?|sites?)\b",
            rf"\b(?:books|records){gap(150)}(?:available|open) (?:for|to){gap(40)}(?:inspection|examination|review|audit)",
        ),
        exclude=rx(
            r"audited (?:\w+ )?(?:financial|consolidated|balance)",
            r"audit committee",
            r"independent auditors? (?:of|for) (?:the )?company's",
        ),
        risk="low",
        explanation="Lets a party check the other's records or facilities; plan for the cost and disruption.",
    ),
    Rule(
        type="exclusivity",
        title="Exclusivity",
        keywords=("exclusiv", "sole", "only", "other", "third"),
        pattern=rx(
            r"(?<!non-)(?<!non)(?<!non\u2010)(?<!non\u2013)\bexclusive (?:and \w+ )?(?:\w+[ ,-]+){0,3}(?:right|rights|license|licence|distributor|distributors|distribution|supplier|provider|agent|reseller|representative|basis|partner|dealer|sales|marketing|manufacturer|territory|source|sponsor|endorse\w*|arrangement|relationship|provider|vendor|customer|seller|purchaser|buyer|developer|hosting)",
            r"(?<!non-)(?<!non)\bexclusively\b(?! (?:in|before|by|within) (?:the )?(?:\w+ )?(?:courts?|state|federal|laws?|competent|arbitration))(?! (?:that|those) of)",
            r"\bexclusivity\b",
            rf"{SHALL_NOT}{gap(120)}(?:appoint|authorize|engage|grant|license|sell to|purchase from|buy from|enter into){gap(100)}(?:any other|any third|another|others)",
            r"(?:sole|only) (?:and exclusive )?(?:supplier|source|distributor|provider|reseller|agent|manufacturer|licensee|representative|vendor)",
            rf"(?:purchase|procure|buy|obtain)s?{gap(80)}(?:solely|only|exclusively) from",
            rf"{SHALL_NOT}{gap(120)}(?:sell|supply|distribute|market|offer for sale){gap(150)}to any (?:other|third)",
        ),
        exclude=rx(
            r"exclusive (?:jurisdiction|venue|remed|property|ownership|owner|forum|right to (?:own|control))",
            r"exclusive of\b",
            r"sole (?:and exclusive )?(?:discretion|option|remedy|cost|expense|judgment|responsibility|property|owner|benefit|liability|obligation)",
            r"exclusively (?:for (?:the purpose|purposes|use)|to (?:perform|the performance|exercise)|in connection with (?:the|this) agreement)",
            r"confidential|disclose|trade secret|governed|jurisdiction|courts?\b|arbitrat|goodwill|belong",
            r"exclusive (?:control|responsibility|right, title|right to (?:remove|replace|control|defend|prosecute))",
        ),
        risk="medium",
        explanation="Restricts who a party may deal with, which can lock you in or shut you out of a market.",
    ),
    Rule(
        type="minimum_commitment",
        title="Minimum commitment",
        keywords=("minimum", "least", "less", "take"),
        pattern=rx(
            r"\bminimum (?:annual |monthly |quarterly |yearly |aggregate |total |purchase |order )*(?:purchase|order|quantit|volume|commitment|royalt|fee|payment|amount|sales|revenue|requirement|guarantee|level|number|units|target|performance|spend|charge|sum|purchases)",
            rf"(?:purchase|order|buy|sell|deliver|spend|pay|generate|achieve|manufacture|supply)s? (?:a minimum of|at least|not less than|no less than){gap(60)}(?:units|\$|dollars|\d|percent|%|\[)",
            rf"(?:at least|not less than|no less than|a minimum of) {gap(40)}(?:units|orders|dollars|\$|\[\*)",
            r"take[- ]or[- ]pay",
            r"minimum (?:purchase|order) (?:requirement|commitment|obligation)",
        ),
        exclude=rx(r"insurance|insured|coverage", r"minimum (?:wage|age)", r"interest"),
        risk="medium",
        explanation="Commits a party to buy, sell or pay a minimum amount whether or not it needs it.",
    ),
    Rule(
        type="termination_for_convenience",
        title="Termination for convenience",
        keywords=("terminat", "cancel"),
        pattern=rx(
            rf"(?:may|shall have the right to|can|is entitled to|be entitled to|reserves the right to|right to|elect to) (?:\w+ )?(?:terminate|cancel){gap(150)}(?:for convenience|for any reason|for no reason|without cause|with or without cause|at (?:its|their) (?:sole )?(?:and absolute )?(?:discretion|option|convenience)|without (?:any )?reason|at any time|for any or no reason)",
            rf"(?:may|can) be (?:terminated|cancell?ed){gap(100)}(?:for convenience|for any reason|without cause|with or without cause|at any time|in (?:its|their) (?:sole )?discretion)",
            r"for (?:its|their) (?:own )?convenience|termination for convenience",
            rf"\b(?:may|shall have the right|has the right|have the right|is entitled|be entitled|can)\b{gap(120)}\b(?:terminate|cancel)\b{gap(150)}(?:with or without cause|without cause|for convenience|at (?:its|their) (?:sole )?discretion|for any reason|notice|notifying)",
            rf"(?:may|can) be (?:terminated|cancell?ed|cancelable|cancellable){gap(120)}(?:notice|notifying)",
            r"\bcancell?able at any time",
            rf"until (?:terminated by either|either party){gap(80)}(?:notice|notif)",
        ),
        exclude=rx(
            r"breach|default|fails? to|failure|insolven|bankrupt|receiver|cure|\bif\b|in the event|in case|should|upon the occurrence|where|force majeure|change (?:of|in) control|surviv|effect of termination|unless|immediately|forthwith|mutual|\bwhen\b|\bthen\b|upon (?:receipt|learning)|following (?:events|circumstances)|events? occurs?",
        ),
        context_after=250,
        risk="medium",
        explanation="A party can walk away without giving a reason; check whether that right is mutual and "
        "what notice applies.",
    ),
    Rule(
        type="insurance",
        title="Insurance",
        keywords=("insur",),
        pattern=rx(
            rf"\b(?:maintain|carry|procure|obtain|purchase|keep|provide|have){gap(150)}\binsurance\b",
            rf"\binsurance{gap(100)}(?:policy|policies|coverage|certificate|limits?|carrier|in (?:the )?amount)",
            r"additional(?:ly)? insured",
            r"(?:general|product|products|professional|public) liability insurance",
            r"certificates? of insurance",
            r"insurance (?:coverage|policies)",
            r"\binsure\b",
        ),
        exclude=rx(
            r"insurance (?:company|companies|agency|agent|agents|broker|business|products? (?:sold|offered))"
        ),
        risk="low",
        explanation="Requires insurance cover; check the amounts and that the cost is priced in.",
    ),
    Rule(
        type="post_termination_services",
        title="Obligations after termination",
        keywords=("terminat", "expir", "sell", "wind", "transition", "inventory", "stock"),
        pattern=rx(
            rf"(?:after|following|upon|on|subsequent to|prior to|before) (?:the )?(?:any )?(?:termination|expiration|expiry|effective date of termination){gap(250)}(?:continue to|sell off|sell-off|sell (?:its|any|all|the) (?:remaining )?(?:inventory|stock|products)|dispose|transition|wind[- ]down|complete (?:any|all)|fulfil|fill|deliver|return|provide|purchase|repurchase|buy back|maintain|retain|destroy|transfer|assist|cooperate|honor|accept|sell)",
            rf"(?:for a period of|within|until){gap(60)}(?:after|following) (?:the )?(?:termination|expiration|expiry)",
            r"(?:sell-off|sell off|wind-down|wind down|transition) (?:period|services|assistance|plan)",
            rf"(?:termination|expiration){gap(150)}(?:shall not|will not) (?:relieve|affect|release){gap(120)}(?:obligation|pay|accrued)",
            r"(?:remaining|existing) (?:inventory|stock)",
        ),
        exclude=rx(
            r"\bsurviv|confidential|\bsolicit|\bcompet|renew|\bnot (?:to )?(?:disclose|use|advertise|work|participate|engage)|transition services agreement|liquidated",
        ),
        risk="low",
        explanation="Some duties continue after the contract ends (transition, sell-off, returns, records); "
        "budget for them.",
    ),
    Rule(
        type="revenue_profit_sharing",
        title="Revenue or profit sharing",
        keywords=(
            "%",
            "percent",
            "cent",
            "royalt",
            "revenue",
            "profit",
            "shar",
            "commission",
            "sales",
            "receipt",
        ),
        pattern=rx(
            rf"(?:\d+(?:\.\d+)? ?%|percent|per cent|\[\*+\] ?%){gap(120)}(?:of (?:the )?(?:all )?(?:\w+ ){{0,3}}(?:net|gross|total|adjusted)? ?(?:sales|revenues?|receipts|profits?|income|proceeds|billings|collections|margin|amounts? (?:received|collected)))",
            r"\broyalt(?:y|ies)\b(?! free)(?!-free)",
            r"(?:revenue|profit)s?[ -]shar",
            rf"shar(?:e|ing){gap(60)}(?:revenues?|profits?|proceeds|net sales|income)",
            rf"\bcommissions?\b{gap(100)}(?:of|on|equal|percent|%)",
            rf"(?:net|gross) (?:sales|revenues?|profits?|receipts){gap(80)}(?:\d+ ?%|percent)",
        ),
        exclude=rx(
            r"royalty[- ]free",
            r"\bcommission (?:of|by) (?:any )?(?:crime|fraud|act)",
            r"securities and exchange commission|federal trade commission|commission file",
        ),
        risk="low",
        explanation="Payments depend on revenue or profit, so reporting and audit rights matter.",
    ),
    Rule(
        type="renewal_term",
        title="Renewal",
        keywords=(
            "renew",
            "extend",
            "extension",
            "successive",
            "additional",
            "consecutive",
            "subsequent",
            "to year",
            "to-year",
            "to month",
            "to-month",
            "evergreen",
        ),
        pattern=rx(
            r"(?:automatically|auto-?) ?(?:be )?(?:renew|extend)",
            rf"\b(?:renew|renewed|extend|extended)\b{gap(80)}(?:for|by) (?:an? )?(?:additional|successive|further|consecutive|subsequent|like|renewal|similar|one|\d)",
            r"(?:successive|additional|consecutive|subsequent) (?:\w+[ ()-]+){0,4}(?:renewal )?(?:periods?|terms?)",
            r"renewal (?:term|period)s?",
            r"(?:year to year|year-to-year|month to month|month-to-month)",
            r"evergreen",
        ),
        exclude=rx(r"renewal (?:fee|premium)s?\b"),
        risk="medium",
        explanation="The contract can roll over into a new term; diarise the date by which you must object.",
        max_hits=1,
    ),
    Rule(
        type="notice_period_to_terminate_renewal",
        title="Notice to stop renewal",
        keywords=("day", "month", "year", "week"),
        pattern=rx(
            rf"{NUM} {PERIOD_UNIT}['’]?{gap(120)}(?:prior to|before|preceding|in advance of) (?:the )?(?:end|expiration|expiry|conclusion|termination|commencement|expiry date|anniversary|renewal|completion) (?:of|date of)? ?(?:the |any |such |each |then[- ]?)?(?:then[- ]?)?(?:current|applicable|initial|existing|renewal|relevant|term|extension)?",
            rf"(?:non-?renewal|not to renew|intention not to|intent not to|desire not to|elect(?:s|ion)? not to|does not wish to|not (?:to )?be renewed|not extend|terminate){gap(200)}{NUM} {PERIOD_UNIT}",
            rf"{NUM} {PERIOD_UNIT}['’]?{gap(100)}(?:non-?renewal|not to (?:renew|extend)|intention not to|intent not to|election not to|elected not to|cancel)",
        ),
        require=rx(r"renew|extend|extension|successive|automatic(?:ally)? (?:renew|extend)|evergreen"),
        also_require=rx(r"notice|notif|elect|inform|request"),
        exclude=rx(r"\bbreach|cure|default|insurance|polic(?:y|ies)|insured"),
        risk="medium",
        explanation="You must give notice this far ahead to stop an automatic renewal; a long window is easy "
        "to miss.",
        max_hits=1,
    ),
    Rule(
        type="non_transferable_license",
        title="Non-transferable license",
        keywords=("transfer", "sublicen", "assign"),
        pattern=rx(
            r"non-? ?transfer(?:r)?able",
            r"not (?:be )?transferable",
            r"non-? ?sub-?licen[cs]able",
            r"without the right to (?:sub-?licen|transfer|assign)",
            rf"(?:may|shall) not (?:sub-?licen[cs]e|sell, assign|assign, transfer|transfer|assign){gap(120)}{LICENSE}",
            rf"{LICENSE}{gap(200)}(?:may|shall) not (?:be )?(?:sub-?licen|assign|transfer)",
            r"no right to (?:sub-?licen|grant sub-?licen|transfer)",
        ),
        require=rx(r"licen"),
        risk="low",
        explanation="The licence cannot be passed on or sublicensed, which limits restructuring and outsourcing.",
    ),
    Rule(
        type="non_compete",
        title="Non-compete",
        keywords=("compet", "rival"),
        pattern=rx(
            rf"{SHALL_NOT}{gap(200)}(?:compet(?:e|es|ing|itive|itor|itors)|rival)",
            rf"(?:not|refrain from){gap(60)}(?:engag\w*|participat\w*|invest\w*|develop\w*|market\w*|sell\w*|distribut\w*|manufactur\w*|commerciali[sz]\w*|promot\w*|own\w*|operat\w*|endors\w*){gap(200)}(?:competing|competitive|competes|compete|competitor)",
            r"non-?competition|non-?compete|covenant not to compete",
            rf"(?:competing|competitive) (?:product|products|business|service|services|brand|line)s?{gap(150)}(?:not|prohibited|restricted)",
        ),
        exclude=rx(r"anti-?competitive|competitive (?:bid|bidding|price|pricing|rate|terms)|competent"),
        risk="high",
        explanation="Stops a party from competing; check the scope, territory and duration are no broader than needed.",
    ),
    Rule(
        type="ip_ownership_assignment",
        title="Intellectual property ownership / assignment",
        keywords=("assign", "convey", "property", "title", "own", "hire", "vest"),
        pattern=rx(
            rf"(?:hereby )?(?:assigns?|agrees? to assign|shall assign|will assign|irrevocably assigns?|transfers? and assigns?|conveys?){gap(120)}(?:all )?(?:of )?(?:its |his |her |their )?(?:right, title|rights, title|entire right|intellectual property|ownership|copyright|patent|invention)",
            r"(?:shall|will) (?:be|become) the (?:sole and )?(?:exclusive )?property of",
            rf"(?:shall|will) (?:solely |exclusively )?own{gap(60)}(?:all )?(?:right, title|rights, title|ownership|intellectual property)",
            r"works? (?:made )?for hire",
            rf"(?:title|ownership|rights?){gap(80)}(?:shall|will) (?:vest|pass|be vested)",
            r"(?:shall|will) (?:vest|be vested) in",
            r"(?:shall|will) be (?:owned|deemed owned) (?:solely |exclusively )?by",
        ),
        require=rx(
            r"assign|creat|develop|conceiv|invent|work product|deliverable|improvement|modification|derivative|results|generat|in the course|perform|made by|for hire|arising"
        ),
        exclude=rx(
            r"\bretain|\bremain|nothing|not (?:be )?(?:construed|deemed)|not convey|no (?:right|title|proprietary)|have been obtained",
            r"\bconfidential information (?:shall|will) (?:be|remain)",
        ),
        risk="medium",
        explanation="Decides who owns what is created under the contract; make sure you keep rights to your own "
        "pre-existing IP and anything you need afterwards.",
    ),
    Rule(
        type="covenant_not_to_sue",
        title="Covenant not to sue / not to challenge",
        keywords=(
            "contest",
            "challeng",
            "dispute",
            "oppose",
            "attack",
            "impair",
            "question",
            "deny",
            "interfere",
            "covenant",
            "sue",
            "bring",
            "commence",
            "institute",
            "assert",
            "file",
            "claim",
            "waive",
            "release",
            "acknowledg",
            "recogni",
            "admit",
        ),
        pattern=rx(
            rf"{SHALL_NOT}{gap(120)}(?:contest|challenge|dispute|oppose|attack|impair|question|deny|interfere with){gap(120)}(?:validity|ownership|enforceability|title|rights? (?:of|in|to)|patent|trademark|marks?|registration|intellectual)",
            rf"(?:not|never) (?:to )?(?:contest|challenge|dispute|oppose|attack){gap(120)}(?:validity|ownership|title|rights?|patents?|trademarks?|marks)",
            r"covenants? not to (?:sue|assert|bring)",
            rf"{SHALL_NOT}{gap(60)}(?:sue|bring|commence|institute|assert|file|make){gap(60)}(?:any )?(?:suit|action|claim|proceeding|demand|lawsuit)",
            rf"(?:not|never){gap(40)}(?:assert|claim){gap(60)}(?:any )?(?:right|title|interest|ownership)",
            rf"(?:waives?|release[sd]?){gap(60)}(?:any and all|all|any) (?:claims|rights|moral rights|right to (?:bring|sue|challenge|contest))",
            rf"(?:acknowledges?|recognizes?|admits?){gap(100)}(?:exclusive |sole )?(?:ownership|owner|validity)",
        ),
        risk="medium",
        explanation="One party gives up the right to challenge the other's IP or to bring certain claims.",
    ),
    Rule(
        type="change_of_control",
        title="Change of control",
        keywords=(
            "control",
            "merge",
            "consolidat",
            "reorgani",
            "acqui",
            "substantially",
            "operation",
            "owner",
            "majority",
            "50",
        ),
        pattern=rx(
            r"change (?:of|in) (?:control|ownership)",
            rf"\b(?:merger|merges|consolidat\w+|reorgani[sz]ation|acqui(?:red|sition|res))\b{gap(250)}\bterminat",
            rf"\bterminat\w*{gap(250)}\b(?:merger|merges with|consolidat\w+ with|is acquired|acquired by|acquisition of|acquires|sale of (?:all|substantially)|substantially all (?:of )?(?:its|the|their) (?:assets|business|stock))",
            r"\b(?:is|are|becomes|be) acquired by",
            r"\b(?:acquires?|obtains?) (?:direct or indirect |directly or indirectly )?(?:control|ownership|a majority|more than fifty|more than 50)",
            rf"(?:merger|acquisition|sale of (?:all or )?substantially all){gap(200)}(?:notify|notice|consent)",
        ),
        exclude=rx(r"indemnif"),
        risk="medium",
        explanation="A merger or sale of a party can trigger termination or consent rights.",
    ),
    Rule(
        type="rofr_rofo_rofn",
        title="Right of first refusal / offer / negotiation",
        keywords=("first", "option", "negotiat", "refusal", "match", "third", "rofr", "rofn", "rofo"),
        pattern=rx(
            r"right of (?:first|last) (?:refusal|offer|negotiation|opportunity)",
            r"first right (?:of|to) (?:refusal|offer|negotiat|purchase|acquire|bid)",
            r"(?:first|right of) (?:refusal|negotiation)",
            rf"(?:option|right) to (?:negotiate|acquire|purchase|obtain|license){gap(120)}(?:exclusive|first|before|prior to|any third)",
            r"(?:first|exclusive) (?:opportunity|option) to",
            rf"(?:before|prior to){gap(60)}(?:offering|negotiating|selling|granting){gap(80)}(?:to )?(?:any )?third part",
            rf"\bmatch\b{gap(80)}(?:offer|terms|bid|proposal)",
            r"\brofr\b|\brofn\b|\brofo\b",
        ),
        risk="medium",
        explanation="One party gets first call on a deal, which can deter or delay other buyers or partners.",
    ),
    Rule(
        type="volume_restriction",
        title="Volume restriction",
        keywords=("more", "up", "maximum", "excess", "exceed", "over"),
        pattern=rx(
            rf"(?:no|not) more than {gap(30)}(?:\d|\(|one|two|three|four|five|six|seven|eight|nine|ten|copies|units|users|\[)",
            rf"\bup to {gap(15)}(?:\(?\d|one|two|three|four|five|six|ten|\[)",
            r"\bmaximum (?:number|quantity|amount|volume|of|level)",
            r"(?:in excess of|exceeds?|exceeding|over) (?:the )?(?:forecast|maximum|capacity|quantity|quantities|volume|number of|cap|limit|threshold|\d[\d,]* (?:units|users|hours|copies|minutes|transactions))",
        ),
        require=rx(
            r"units|quantit|volume|users|copies|forecast|capacity|licen|seats|installations|batches|pounds|tons|gallons|barrels|"
            r"hours|sessions|appearances|days|orders?|products?|purchas|transactions"
        ),
        exclude=rx(
            r"liabilit|damages|insurance|interest|indemn|audit|publication",
            r"(?:up to|maximum of|no more than|not more than|in excess of) \S+ (?:\(\S+\) )?(?:business |calendar )?(?:days?|months?|weeks?|years?|hours?|times?)\b",
        ),
        risk="low",
        explanation="Caps how much can be bought, sold or used, or charges more above a threshold.",
    ),
    Rule(
        type="no_solicit_of_employees",
        title="No-solicit of employees",
        keywords=("solicit", "recruit", "hire", "employ", "engag", "induce", "entice"),
        pattern=rx(
            rf"\b(?:solicit|recruit|hire|employ|induce|entice|offer employment to)(?:s|ed|ing)?\b{gap(150)}\b(?:employees?|personnel|staff|consultants|contractors|officers)\b",
            r"non-?solicit",
        ),
        require=rx(rf"{NOT}|refrain|prohibit"),
        exclude=rx(r"customers?|clients?|confidential"),
        risk="medium",
        explanation="Limits hiring the other party's people for a period.",
    ),
    Rule(
        type="no_solicit_of_customers",
        title="No-solicit of customers",
        keywords=("solicit",),
        pattern=rx(
            rf"solicit{gap(150)}(?:customers?|clients?|accounts|suppliers|distributors|subscribers|patrons)"
        ),
        require=rx(rf"{NOT}|refrain|prohibit"),
        risk="medium",
        explanation="Limits approaching the other party's customers for a period.",
    ),
    Rule(
        type="liquidated_damages",
        title="Liquidated damages / termination fee",
        keywords=("liquidated", "terminat", "break", "penalt"),
        pattern=rx(
            r"liquidated damages",
            r"(?:early )?termination (?:fee|charge|payment|penalty)",
            r"break-?up fee",
            r"(?:as a|by way of) penalty",
            rf"(?:pay|owe){gap(100)}(?:penalty|penalties)",
        ),
        risk="high",
        explanation="A fixed sum is payable on breach or early exit, whatever the actual loss.",
    ),
    Rule(
        type="warranty_duration",
        title="Warranty period",
        keywords=("warrant", "guarant"),
        pattern=rx(
            rf"warrant\w*{gap(200)}(?:for a period of|period of|for{gap(20)}{NUM} {PERIOD_UNIT}|until|through){gap(80)}{PERIOD_UNIT}",
            r"warranty period",
            rf"{NUM} {PERIOD_UNIT}['’]? (?:limited )?(?:warranty|guarantee)",
            rf"(?:warranty|guarantee){gap(40)}(?:shall|will) (?:expire|last|extend|run|continue|be valid|remain)",
            rf"(?:within|during){gap(60)}{PERIOD_UNIT}{gap(100)}(?:warrant|defect)",
        ),
        require=rx(r"warrant|guarant"),
        risk="low",
        explanation="Defects are only covered for this period; check it matches how long you rely on the product.",
    ),
    Rule(
        type="competitive_restriction_exception",
        title="Exceptions to competitive restrictions",
        keywords=("compet", "exclusiv", "restrict", "solicit"),
        pattern=rx(
            rf"(?:nothing in|nothing contained in|notwithstanding){gap(200)}(?:shall|will) (?:\w+ ){{0,2}}(?:prevent|prohibit|restrict|limit|preclude|apply)",
            rf"(?:restrictions?|covenants?|exclusivity|obligations?|foregoing|this section|section \S+){gap(100)}(?:shall|will|does|do) not (?:apply|prevent|prohibit|restrict|limit|preclude|be deemed)",
            rf"(?:shall|will) not (?:be deemed to )?(?:prevent|prohibit|preclude|restrict){gap(150)}(?:from|competing|compet)",
            rf"(?:provided, however|except that|except for|other than|excluding){gap(200)}(?:compet|exclusiv)",
        ),
        require=rx(r"compet|exclusiv|restrict|non-?solicit"),
        risk="low",
        explanation="Carves exceptions out of a non-compete or exclusivity clause.",
    ),
    Rule(
        type="non_disparagement",
        title="Non-disparagement",
        keywords=(
            "disparag",
            "derogat",
            "defam",
            "disrepute",
            "negative",
            "adverse",
            "ridicule",
            "contempt",
            "hatred",
            "scorn",
            "scandal",
        ),
        pattern=rx(
            r"disparag",
            r"derogatory",
            r"defamat|defame",
            r"disrepute",
            rf"(?:negative|adverse){gap(60)}(?:comments?|statements?|remarks?|publicity|posts?)",
            rf"(?:public|contempt|scandal|ridicule){gap(60)}(?:hatred|ridicule|scorn|contempt|disrepute)",
        ),
        risk="low",
        explanation="Restricts negative statements about the other party.",
    ),
    Rule(
        type="most_favored_nation",
        title="Most favoured nation",
        keywords=("favo", "lowest", "best", "greater", "higher"),
        pattern=rx(
            r"most favou?red",
            rf"(?:no|not) less favou?rable{gap(100)}(?:than|to)",
            r"(?:lowest|best) (?:price|prices|rate|rates|terms|pricing)",
            rf"(?:no|not) (?:greater|higher) than{gap(100)}(?:charged|offered|granted|provided|available) to (?:any )?(?:other|third)",
            rf"(?:as|equally) favou?rable{gap(80)}(?:as|than) (?:those )?(?:offered|granted|provided|given)",
            rf"(?:more|better) favou?rable (?:terms|prices|pricing|rates|conditions){gap(100)}(?:offer|extend|grant|provide)",
        ),
        risk="medium",
        explanation="Promises terms at least as good as those given to others, which constrains future pricing.",
    ),
    Rule(
        type="price_restrictions",
        title="Price restrictions",
        keywords=("price", "fee", "rate", "charge"),
        pattern=rx(
            rf"(?:shall|will|may) not (?:increase|raise|change|adjust){gap(60)}(?:price|fee|rate|charge)s?",
            rf"(?:price|fee|rate|charge)s?{gap(60)}(?:increase|adjust)\w*{gap(60)}(?:shall|will|may) not exceed",
            rf"(?:price|fee|rate)s?{gap(60)}(?:fixed|firm) (?:for|during)",
        ),
        risk="low",
        explanation="Limits how prices can change during the contract.",
    ),
    Rule(
        type="joint_ip_ownership",
        title="Joint IP ownership",
        keywords=("joint", "co-own", "coown"),
        pattern=rx(
            r"\bjointly (?:owned|own|held|hold)",
            r"(?:shall|will) be (?:owned|held) jointly",
            r"\bjoint (?:ownership|owners|property|inventions?|intellectual property|patents?|ip|technology|developments?|works?)\b",
            r"\bco-?own",
        ),
        risk="medium",
        explanation="Jointly owned IP can be hard to exploit or license without the co-owner.",
    ),
    Rule(
        type="affiliate_license_licensor",
        title="License covers the licensor's affiliates' IP",
        keywords=("affiliate",),
        pattern=rx(
            rf"(?:licensor|its|their)(?: and its|'s|’s)? affiliates['’]?{gap(80)}(?:patents|intellectual property|trademarks|know-how|technology|rights)",
            rf"(?:owned|controlled) by{gap(40)}(?:or )?(?:any )?(?:of )?(?:its|their) affiliates{gap(100)}licen",
        ),
        require=rx(r"licen"),
        risk="low",
        explanation="The licence extends to IP held by the licensor's affiliates.",
    ),
    Rule(
        type="affiliate_license_licensee",
        title="License extends to the licensee's affiliates",
        keywords=("affiliate", "subsidiar"),
        pattern=rx(
            rf"(?:grants?|licen[cs]e[sd]?){gap(120)}(?:to|for|by|and) (?:\w+ ){{0,3}}(?:and|or) (?:its|their) (?:\w+ )?(?:affiliates|subsidiaries)",
            rf"(?:affiliates|subsidiaries){gap(60)}(?:may|shall be entitled to|have the right to){gap(40)}(?:use|exercise|sublicen|practice)",
            rf"(?:sub-?licen[cs]e|extend){gap(60)}(?:to )?(?:its|their|any of its) (?:\w+ )?(?:affiliates|subsidiaries)",
        ),
        require=rx(r"licen"),
        exclude=rx(r"licensor and its affiliates"),
        risk="low",
        explanation="The licensee's group companies may use the licence too.",
    ),
    Rule(
        type="unlimited_all_you_can_eat_license",
        title="Unlimited-use license",
        keywords=("unlimited", "enterprise"),
        pattern=rx(
            r"unlimited (?:number of )?(?:copies|users|licenses|licences|installations|use|seats|sites|access)",
            r"enterprise[- ]wide",
        ),
        risk="low",
        explanation="Usage is not capped under the licence.",
    ),
    Rule(
        type="irrevocable_or_perpetual_license",
        title="Irrevocable or perpetual license",
        keywords=("irrevocab", "perpetu"),
        pattern=rx(
            rf"(?:irrevocable|perpetual|perpetuity|irrevocably){gap(150)}{LICENSE}",
            rf"{LICENSE}{gap(150)}(?:irrevocable|perpetual|perpetuity|irrevocably)",
        ),
        exclude=rx(r"non-?irrevocable"),
        risk="medium",
        explanation="The licence cannot be withdrawn or lasts forever; hard to unwind later.",
    ),
    Rule(
        type="source_code_escrow",
        title="Source code escrow",
        keywords=("escrow",),
        pattern=rx(rf"escrow{gap(200)}source code", rf"source code{gap(200)}escrow"),
        risk="low",
        explanation="Source code is deposited with a third party and released on certain events.",
    ),
    Rule(
        type="third_party_beneficiary",
        title="Third-party beneficiary",
        keywords=("beneficiar",),
        pattern=rx(
            r"(?:is|are|be|as) (?:an? )?(?:express |intended )?(?:third[- ]party )?beneficiar(?:y|ies)"
        ),
        require=rx(r"third|beneficiar"),
        exclude=rx(r"\bno\b|\bnot\b|nothing|neither|\bnor\b|shall not|without"),
        risk="low",
        explanation="Someone who did not sign can enforce parts of the contract.",
    ),
    # Our own categories (not in CUAD).
    Rule(
        type="indemnification",
        title="Indemnification",
        keywords=("indemn", "defend", "harmless", "hold"),
        pattern=rx(
            rf"(?:shall|will|agrees? to|hereby) (?:\w+ ){{0,3}}(?:indemnif|defend|hold)\w*{gap(150)}(?:harmless|indemn|against|from)"
        ),
        risk="medium",
        explanation="One party must cover the other's losses from certain claims; check it is mutual and capped.",
        max_hits=1,
    ),
    Rule(
        type="confidentiality",
        title="Confidentiality",
        keywords=("confidential",),
        pattern=rx(
            rf"(?:keep|hold|maintain|treat){gap(100)}(?:in )?(?:strict )?confiden",
            rf"(?:not|never) (?:to )?(?:disclose|divulge|reveal){gap(150)}confidential",
            rf"confidential information{gap(150)}(?:shall|will) not (?:be )?(?:disclose|use|divulge|reveal)",
        ),
        risk="low",
        explanation="Information exchanged must be kept secret; check how long the duty lasts.",
        max_hits=1,
    ),
    Rule(
        type="payment_terms",
        title="Payment terms",
        keywords=("pay", "invoice", "net", "due", "remit"),
        pattern=rx(
            rf"(?:pay|paid|payable|payment|due|remit)\w*{gap(120)}within {gap(20)}(?:days|business days){gap(80)}(?:invoice|receipt|date|end of|month|quarter)",
            rf"invoices?{gap(120)}(?:payable|due|paid){gap(60)}(?:within|upon|on|net)",
            r"\bnet (?:\d+|thirty|sixty|forty-five)\b",
            rf"(?:late|overdue|past due|unpaid) (?:payments?|amounts?|invoices?|balances?){gap(100)}interest",
        ),
        risk="low",
        explanation="Sets when invoices must be paid; late payment may carry interest.",
        max_hits=1,
    ),
    Rule(
        type="termination_for_cause",
        title="Termination for cause",
        keywords=("terminat",),
        pattern=rx(
            rf"terminat\w*{gap(250)}(?:material(?:ly)? breach|breach(?:es)? (?:any|a|of)|default|insolven|bankrupt|fails? to (?:cure|remedy)|not (?:been )?cured|receiver)",
            rf"(?:material(?:ly)? breach|insolven|bankrupt){gap(250)}terminat",
        ),
        risk="low",
        explanation="Either side can end the contract if the other breaches or becomes insolvent; check cure periods.",
        max_hits=1,
    ),
)

UNILATERAL_PRICE_CHANGE = rx(
    rf"(?:may|reserves? the right to|shall have the right to|is entitled to) (?:\w+ ){{0,3}}(?:increase|change|modify|adjust|revise|raise){gap(80)}(?:prices?|fees?|rates?|charges?|price list)",
    rf"(?:prices?|fees?|rates?|charges?|price list){gap(80)}(?:subject to change|may be (?:changed|increased|modified|adjusted|revised))",
)
