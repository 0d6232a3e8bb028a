"""The risk rules: which wording raises which catalogue code, and whom it burdens.

Every pattern runs on the lower-cased page (a literal space in a pattern means any run of whitespace, as in
`worker.clause_rules`). A rule's `burden` says whom a match burdens, read from the party that acts in it:
- `actor`: the party that acts carries it ("Employee will not solicit", "you agree to indemnify");
- `others`: the party that acts holds a right over the others ("we may terminate your account", "Mozilla's
  liability is limited"); its counterparties carry it;
- `owner`: the party whose thing it is ("your plan renews", "the Holder's investment");
- `by_verb`: `others` when the verb gives the actor a right ("Landlord may enter"), else `actor` ("Tenant must
  give access");
- `payer`: `actor` when the actor is the individual ("you will not get a refund"), else `others`.
The party that acts is the pattern's `actor` group when it has one, else the subject nearest before the match.
A party written as "either party", "both sides", "we each" makes the risk mutual (`against` is empty).
`exclude` is searched in the sentence around the match (negations and look-alikes); `skip_sections` in the
heading above it (a landlord's remedies after default are no termination at will).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from common.analysis import RiskCode
from worker.clause_rules import gap
from worker.clause_rules import rx as _rx

Burden = Literal["actor", "others", "owner", "by_verb", "payer"]


def rx(*alternatives: str) -> re.Pattern[str]:
    """`worker.clause_rules.rx`, where each alternative may name its own `actor` group."""
    return _rx(*(alt.replace("(?P<actor>", f"(?P<actor{n}>") for n, alt in enumerate(alternatives)))


@dataclass(frozen=True)
class RiskRule:
    code: RiskCode
    keywords: tuple[str, ...]  # the pattern runs only near one of these (lower-case) words
    pattern: re.Pattern[str]
    burden: Burden
    exclude: re.Pattern[str] | None = None
    keep: re.Pattern[str] | None = (
        None  # wording in the sentence that overrides `exclude` and `skip_sections`
    )
    skip_sections: re.Pattern[str] | None = None
    clause_type: str | None = None
    title: str | None = None  # only for `other`: what the risk is (framing reads its wording by this title)


# Who may act: an optional subject before a modal ("we may", "Mozilla can", "the Company reserves the right to").
MAY = r"(?:may|can|could|will|shall|reserves? the right to|retains? the right to|has the right to|is entitled to)"
ANY_TIME = (
    r"(?:at any time|for any reason|for no reason|without (?:cause|reason|notice)|with or without "
    r"(?:cause|notice|reason)|in (?:its|our|their|his|her) (?:sole|absolute|sole and absolute) discretion|for "
    r"convenience|at will|at-will)"
)
THE_TERMS = r"(?:these terms|the terms|this agreement|the agreement|these conditions|this contract|the contract|our terms|the policies|this policy|these terms of (?:service|use))"
NEGATED = rx(r"\b(?:not|never|no|nothing|neither|nor|without)\b")

RISK_RULES: tuple[RiskRule, ...] = (
    # --- renewal and changes -------------------------------------------------------------------------------
    RiskRule(
        "auto_renewal",
        ("renew", "automatic", "until you cancel", "until cancel", "until it is cancel"),
        rx(
            r"\b(?:renews?|renewed|extended|continues?) (?:automatically|auto-?matically)",
            r"\bautomatic(?:ally)? (?:be )?(?:renew|extend)",
            r"\bauto-?renew",
            r"\bautomatic (?:annual |monthly |yearly )?renewals? (?:thereafter|unless|provided)",
            r"\btacit(?:ly)? renew|\brenewed tacitly",
            rf"\b(?:shall|will) (?:be )?(?:renew(?:ed)?|extend(?:ed)?)\b{gap(80)}\b(?:successive|additional|further)\b{gap(120)}\bunless\b",
            rf"\brenew(?:ed|s)?\b{gap(100)}\bunless\b{gap(60)}\bnotice of (?:non-?renewal|termination)",
            rf"\b(?:charge|bill|renew)\w*{gap(120)}\buntil (?:you cancel|(?:it is |they are )?cancell?ed)",
            rf"\bautomatically (?:be )?(?:renewed|extended){gap(80)}(?:successive|additional|same|further|renewal)",
            rf"\bshall (?:be )?(?:renewed|extended){gap(60)}successive{gap(120)}unless",
            rf"\brenew(?:s|ed)?{gap(80)}until (?:you|either party|one party) (?:cancel|terminat)",
        ),
        "owner",
        exclude=rx(
            r"will not (?:be )?(?:automatically )?renew",
            r"does not (?:automatically )?renew",
            r"auto-?renewal will stop",
            r"\binclude[s]? information about",
            r"\bif the parties\b|\bif agreed\b|\bmutual(?:ly)? agree|\bby mutual\b|\bat (?:\w+(?:’s|'s) )?option\b",
            r"extended by one day",
            r"for each day",
        ),
        clause_type="renewal_term",
    ),
    RiskRule(
        "unilateral_changes",
        ("chang", "modif", "amend", "updat", "revis", "vary", "alter ", "increase", "raise"),
        rx(
            r"\b(?:prices?|fees?|rates?|rent|these terms|the terms|pricing) (?:are|is) subject to change",
            rf"\b{MAY}\b{gap(60)}\b(?:change|changes|modify|amend|update|revise|vary|alter) (?:[\w’'-]+ ){{0,3}}(?:{THE_TERMS}|terms|prices?|fees?|rent|position|duties|payments?|plans?|features|compensation|salary|monthly payments)\b",
            rf"\bmay be (?:amended|modified|changed|waived){gap(60)}(?:amended|waived)?{gap(60)}(?:with|by) the (?:written )?consent of the (?P<actor>company|issuer|borrower)\b{gap(30)}(?:majority|requisite|required)",
            r"\b(?:may|can|will|shall) (?:\w+ ){0,2}(?:increase|raise) (?:the |your )?(?:rent|price|prices|fees?|subscription)",
        ),
        "others",
        exclude=rx(
            r"(?:signed|agreed|executed) (?:in writing )?by (?:both|each|all) (?:of the )?part",
            r"mutual(?:ly)? (?:written )?agree",
            r"by mutual",
            r"any changes must be",
            r"not (?:be )?(?:changed|modified|amended) (?:except|unless|other)",
            r"only by (?:a )?written",
        ),
    ),
    RiskRule(
        "unilateral_changes",
        ("continu",),
        rx(
            rf"\b(?:continued|continue to) use{gap(120)}(?:as|constitutes?|means|signifies|deemed|will be) (?:your )?(?:acceptance|agreement|consent)",
            rf"\bcontinuing to use{gap(120)}you (?:accept|agree)",
        ),
        "owner",
    ),
    # --- ending it --------------------------------------------------------------------------------------------
    RiskRule(
        "termination_at_will",
        (
            "any time",
            "any reason",
            "no reason",
            "without cause",
            "without reason",
            "without notice",
            "with or without",
            "discretion",
            "convenience",
            "at will",
            "at-will",
        ),
        rx(
            rf"\b{MAY} (?:\w+ ){{0,3}}(?:terminate|end|suspend|cancel|discontinue|close|refuse service|deactivate){gap(160)}{ANY_TIME}",
            r"\b(?:employment|engagement|relationship) is (?:\w+ )?(?:at-will|at will)",
        ),
        "others",
        exclude=rx(
            r"\b(?:if|where|when|in the event|upon|should) (?:you|the \w+|\w+) (?:\w+ ){0,4}(?:breach|default|fail|violat|are in arrears|becomes? insolvent|is declared bankrupt|commences)",
            r"\b(?:upon the occurrence|any of the following|following (?:events|grounds))",
            r"\bif the other part(?:y|ies)\b",
            r"you (?:can|may) (?:choose to )?(?:cancel|end|terminate) (?:\w+ ){0,6}at any time",
        ),
        keep=rx(r"for any reason|for no reason|without (?:cause|reason)|sole discretion|at will|at-will"),
        skip_sections=rx(r"default|breach|remed|grounds|possession|forfeit|arrears|for cause"),
        clause_type="termination_for_convenience",
    ),
    RiskRule(
        "early_termination_fee",
        (
            "early termination",
            "cancel",
            "termination fee",
            "termination charge",
            "termination payment",
            "termination penalty",
            "break ",
            "exit fee",
        ),
        rx(
            r"\b(?:early termination|cancellation|break|exit|termination) (?:fee|charge|penalty|payment)",
            rf"\bif (?:you|the \w+) (?:cancel|terminate|end){gap(100)}(?:remaining|balance of|rest of the term|until the end of the term)",
        ),
        "by_verb",
        exclude=rx(
            r"\bno (?:early )?(?:termination|cancellation|break) (?:fee|charge|penalty)",
            r"without (?:any )?(?:fee|charge|penalty)",
        ),
        clause_type="liquidated_damages",
    ),
    # --- disputes ---------------------------------------------------------------------------------------------
    RiskRule(
        "arbitration",
        ("arbitra",),
        rx(
            r"\b(?:resolved|settled|decided|determined|submitted|referred) (?:\w+ ){0,6}(?:by|to|through|in) (?:final and )?(?:binding |final )?arbitration",
            r"\bbinding (?:individual )?arbitration",
            r"\bagree to arbitrate",
            r"\b(?:shall|will|must) be arbitrated",
            r"\barbitration agreement\b",
        ),
        "actor",
        exclude=rx(rf"\bopt[- ]out\b{gap(60)}arbitration"),
    ),
    RiskRule(
        "class_action_waiver",
        ("class", "representative"),
        rx(
            r"\bclass(?:-wide| action| arbitration| proceeding|, consolidated| or representative)",
            r"\brepresentative (?:action|proceeding)",
        ),
        "actor",
        exclude=rx(
            r"\binclude[s]? information about",
            rf"\bnothing\b{gap(80)}(?:prevent|restrict|prohibit|waive)",
            r"\bdoes not waive",
        ),
    ),
    RiskRule(
        "jury_waiver",
        ("jury",),
        rx(
            rf"\bwaives? {gap(80)}(?:trial by jury|jury trial)",
            rf"\bwaiver of{gap(30)}(?:trial by jury|jury trial)",
            r"\bjury (?:trial )?waiver",
        ),
        "actor",
    ),
    RiskRule(
        "exclusive_venue",
        ("court", "exclusive", "venue", "forum"),
        rx(
            rf"\b(?:only|exclusively|solely) (?:in|before) (?:the )?{gap(60)}\bcourts?\b",
            rf"\bexclusive (?:jurisdiction|venue|forum){gap(80)}\bcourts?\b",
            rf"\bcourts?{gap(100)}(?:shall|will) have exclusive jurisdiction",
            r"\b(?:sole|exclusive) (?:and (?:proper|exclusive) )?(?:venue|forum)",
            r"\bdisputes? (?:will|shall) be (?:resolved|heard|brought) (?:only )?in the (?:venue|courts?)",
            rf"\bvenue{gap(40)}(?:shall|will) (?:be|lie) (?:exclusively |solely )?in",
        ),
        "actor",
        exclude=rx(r"non-?exclusive (?:jurisdiction|venue)"),
    ),
    # --- liability and indemnity ------------------------------------------------------------------------------
    RiskRule(
        "liability_limited",
        (
            "in no event",
            "under no circumstances",
            "not liable",
            "not be liable",
            "not responsible",
            "not be responsible",
            "liability of",
            "liability for",
            "s liability",
            "disclaim",
            "neither party",
            "no party",
            "neither of",
            "r liability",
        ),
        rx(
            rf"\b(?:in no event|under no circumstances) (?:shall|will|is|are|does) (?P<actor>{gap(120)}?) (?:be )?(?:liable|responsible)",
            r"\b(?:shall|will|is|are) not (?:be )?(?:liable|responsible) (?:in any way |to you )?for",
            rf"(?:any|the|total|aggregate|maximum|entire|cumulative) (?:\w+ ){{0,2}}liability (?:of|for) (?P<actor>[\w’' ,.-]{{1,40}}?) {gap(150)}(?:limited to|not exceed|exceed)",
            rf"(?:’s|'s) (?:\w+ ){{0,2}}liability{gap(150)}(?:limited to|exceed|be capped)",
            r"\b(?:neither party|no party|neither of us|neither of the parties) (?:shall|will) (?:\w+ )?(?:be )?(?:liable|responsible)",
            rf"\b(?P<actor>our|its|their|his|her) (?:\w+ ){{0,2}}liability{gap(150)}(?:limited to|exceed|be capped)",
            rf"\bdisclaims{gap(120)}(?:damages|liability)",
        ),
        "others",
        exclude=rx(
            r"\bnothing (?:in )?(?:\w+ ){0,6}(?:limits?|excludes?)",
            r"\b(?:does|do|shall|will) not (?:exclude|limit) (?:\w+ ){0,3}liability",
            r"death or (?:personal )?injury",
        ),
        clause_type="cap_on_liability",
    ),
    RiskRule(
        "uncapped_liability",
        (
            "s liability",
            "not apply to",
            "liable for all",
            "liable for any and all",
            "in no event",
            "neither party",
            "under no circumstances",
        ),
        rx(
            rf"(?:’s|'s) liability{gap(80)}(?:shall|will) (?:be unlimited|not be (?:limited|capped))",
            rf"(?:limitations?|caps?) (?:of|on) liability{gap(80)}(?:shall|will|do|does) not apply to (?P<actor>you|your|the \w+(?:’s|'s)?)\b",
            r"\b(?:shall|will|is|are) (?:be )?(?:fully |personally )?liable for (?:all|any and all) (?:losses|damages|costs)",
            rf"\bexcept(?:ing)? (?:for |with respect to |in the case of )?{gap(200)}(?:in no event|neither party|under no circumstances){gap(100)}\bliab",
        ),
        "actor",
        exclude=rx(r"death or (?:personal )?injury"),
        clause_type="uncapped_liability",
    ),
    RiskRule(
        "indemnity_by_you",
        ("indemn", "harmless", "losses"),
        rx(
            rf"\b(?:hereby )?(?:agrees? to|shall|will|must|undertakes? to) (?:\w+ ){{0,2}}(?:defend, )?(?:indemnify|indemnifies|hold {gap(40)}harmless)",
            rf"\b(?:agrees? to |shall |will |must )?(?:pay|reimburse|compensate) (?:\w+ ){{0,3}}(?:for )?(?:any|all) (?:\w+ ){{0,2}}(?:losses|liabilit|damages|claims){gap(80)}(?:pays|incurs|suffers|becomes|responsible)",
        ),
        "actor",
        exclude=rx(r"\b(?:will|shall|need) not (?:pay|indemnify|be required)"),
        clause_type="indemnification",
    ),
    # --- restraints -------------------------------------------------------------------------------------------
    RiskRule(
        "non_compete",
        ("compet",),
        rx(
            rf"\b(?:must|shall|will|agrees?) (?:not|never|to refrain from)\b{gap(120)}\bcompet(?:e|es|ing|ition|itive|itor|itors)\b",
            rf"\bcovenant not to compete\b{gap(80)}(?:shall|will|is|for)",
        ),
        "actor",
        exclude=rx(
            rf"\bnothing in{gap(60)}(?:restrict|prevent|prohibit)",
            r"does not restrict",
            r"\bnot (?:enforceable|be enforced)",
            r"\bno covenant not to compete",
            rf"\buse{gap(60)}(?:confidential|proprietary) information{gap(60)}compet",
        ),
        skip_sections=rx(r"notice|definitions"),
        clause_type="non_compete",
    ),
    RiskRule(
        "non_solicit",
        ("solicit", "recruit", "hire", "induce", "entice", "poach", "encourage"),
        rx(
            rf"\b(?:must|shall|will|agrees?) (?:not|never|to refrain from)\b{gap(80)}\b(?:solicit|recruit|hire|induce|entice|poach|encourage){gap(120)}(?:employee|consultant|contractor|personnel|staff|customer|client|worker)",
        ),
        "actor",
        exclude=rx(r"does not (?:restrict|prohibit|apply)"),
        clause_type="no_solicit_of_employees",
    ),
    RiskRule(
        "ip_assignment",
        ("assign", "transfers", "for hire"),
        rx(
            rf"\b(?:hereby )?(?:assigns?|agrees? to assign|shall assign|will assign|irrevocably assigns?|transfers?)(?:,? and (?:hereby )?agrees? to assign,?)? {gap(80)}(?:right, title|intellectual property|inventions?|work product|copyright|patent|deliverables|all rights|new intellectual)",
            r"\bworks? (?:made|prepared) for hire",
            rf"\bdocuments of assignment{gap(60)}(?:right, title|interest)",
        ),
        "actor",
        exclude=rx(
            r"\bassign(?:ment of)? (?:this|the) (?:agreement|offer|note|lease|contract|tenancy)",
            r"\bnot (?:require \w+ to )?assign",
            r"\bcannot assign",
        ),
        clause_type="ip_ownership_assignment",
    ),
    RiskRule(
        "confidentiality_on_you",
        ("confiden", "secret", "proprietary", "reports", "disclose"),
        rx(
            rf"\b(?:must|shall|will|agrees? to|undertakes? to) (?:\w+ ){{0,2}}(?:keep|hold|treat|maintain|protect|use and protect){gap(100)}(?:confiden|in confidence|secret|proprietary)",
            rf"\b(?:must|shall|will|may|agrees?) (?:not|never) (?:\w+ ){{0,2}}(?:disclose|publish|distribute|reveal|divulge|use){gap(120)}(?:confidential|proprietary|reports?|trade secrets?)",
            rf"\b(?:must|shall|will|agrees? to) comply with {gap(80)}confidentiality obligations",
            r"\bunder no circumstances may (?P<actor>[\w’' -]{1,30}?) disclose",
        ),
        "actor",
        exclude=rx(r"\bdoes not require\b"),
        clause_type="confidentiality",
    ),
    # --- money ------------------------------------------------------------------------------------------------
    RiskRule(
        "late_fee_or_penalty",
        (
            " late",
            "returned",
            "dishono",
            "bounced",
            "interest",
            "charged",
            "liquidated",
            "holdover",
            "in possession",
            "hold over",
            "holds over",
            "to occupy",
        ),
        rx(
            r"\blate (?:payment )?(?:fee|charge|penalty)",
            r"\b(?:returned|dishonou?red|bounced) (?:payment|cheque|check) fee",
            rf"\binterest{gap(80)}(?:payable|charged|accrue)s?{gap(60)}(?:late|overdue|unpaid|outstanding)",
            rf"\binterest (?:of|at) {gap(40)}(?:above|over|per (?:cent|annum)|%){gap(80)}(?:late|overdue|unpaid|payable on any)",
            rf"\b(?:fee|charge)s? (?:charged|payable|due) if {gap(80)}(?:does not|do not|fails? to) (?:make|pay)",
            r"\bliquidated damages\b",
            rf"\bholdover{gap(80)}(?:rent|rate|times|double|150|200)",
            rf"\b(?:remains? in possession|holds? over|continues? to occupy){gap(200)}(?:\d{{3}} ?%|double|twice|one and one-half times)",
        ),
        "by_verb",
        exclude=rx(r"\bno late (?:fee|charge)", r"\bliquidated damages (?:are|is|shall be) not"),
        clause_type="liquidated_damages",
    ),
    RiskRule(
        "non_refundable",
        ("refund",),
        rx(
            r"\bnon-?refundable\b",
            r"\b(?:will|shall|does|do) not (?:\w+ )?refund",
            r"\bno refunds?\b",
            r"\bnot (?:be )?(?:entitled|eligible) (?:to|for) (?:a |any )?refund",
            r"\b(?:fees|payments|charges) (?:paid )?(?:are|is) (?:final|not refundable)",
        ),
        "payer",
        exclude=rx(r"\bdeposit\b"),
    ),
    RiskRule(
        "deposit_forfeiture",
        ("deposit",),
        rx(
            rf"\b(?:may|can|will|shall|is entitled to) (?:\w+ ){{0,2}}(?:make (?:\w+ )?deductions?|deduct|retain|keep|withhold|forfeit|apply){gap(120)}deposit",
            rf"\bdeposit{gap(80)}(?:forfeit|non-?refundable|will not be returned)",
            rf"\bdeductions? from{gap(40)}deposit",
        ),
        "by_verb",
    ),
    RiskRule(
        "personal_guarantee",
        ("guarant", "personally liable"),
        rx(
            r"\bpersonal(?:ly)? guarant",
            r"\b(?:i|you|the \w+) (?:hereby )?(?:personally |unconditionally |irrevocably )*guarantees? (?:the )?(?:payment|performance|obligations)",
            r"\bpersonally liable\b",
        ),
        "actor",
    ),
    RiskRule(
        "repayment_obligation",
        ("bonus", "relocation", "training", "tuition", "education", "cost", "claw", "advance"),
        rx(
            rf"\b(?:may|can|will|shall|is entitled to) (?:\w+ ){{0,2}}(?:recover|claw ?back|recoup|deduct){gap(120)}(?:bonus|relocation|training|tuition|education|educating|sign-on|signing)",
            rf"\b(?:must|shall|will|agrees? to) (?:\w+ )?(?:repay|reimburse|pay back|return){gap(100)}(?:bonus|signing|sign-on|relocation|training|tuition|education|advance)",
            r"\bclaw-?back\b",
        ),
        "by_verb",
        exclude=rx(r"\b(?:no|not subject to|without) (?:any )?claw"),
    ),
    RiskRule(
        "no_repayment_or_dilution",
        (
            "investment",
            "subordinat",
            "dilut",
            "guarantee",
            "assurance",
            "lose",
            "loss of all",
            "economic risk",
        ),
        rx(
            r"\b(?:complete|total|entire|full) loss of (?:[\w’'-]+ ){0,3}investment",
            rf"\binvestment{gap(120)}\bincluding (?:a )?(?:complete|total|entire) loss",
            rf"\bbear the economic risk of{gap(60)}investment",
            r"\b(?:lose|loss of) (?:all|the entire|some or all|all or part) (?:of )?(?:\w+ )?(?:investment|money)",
            rf"\bsubordinat\w* (?:in right of payment )?(?:to|and junior){gap(80)}(?:indebtedness|debt|senior|bank|lender)",
            r"\bdilut(?:ion|ed|e)\b",
            r"\bno (?:guarantee|assurance) (?:of|that) (?:\w+ ){0,4}(?:return|repay)",
        ),
        "owner",
        exclude=rx(r"\banti-?dilution\b"),
    ),
    RiskRule(
        "data_sharing",
        (
            "personal",
            "your",
            "sharing",
            "s information",
            "customer data",
            "information about",
            "information regarding",
        ),
        rx(
            rf"\b(?:share|sell|disclose|transfer|provide|rent)s? (?:your|the \w+(?:’s|'s)|personal|customer) (?:personal )?(?:information|data|details){gap(80)}(?:third part|affiliates?|partners?|financing|advertis|with)",
            r"\bsharing of (?:your|the \w+(?:’s|'s)|personal) (?:personal )?(?:information|data)",
            rf"\b(?:share|sell|disclose|provide|report)s? (?:\w+ ){{0,2}}information (?:about|regarding|on) (?P<actor>you|the \w+|\w+){gap(80)}(?:third part|affiliates?|partners?|credit bureaus?|credit reporting|others)",
            rf"\ball rights necessary to operate{gap(100)}processing your (?:email|phone|personal|data|information)",
            r"\b(?:sell|rent)s? (?:your )?personal (?:information|data)",
        ),
        "owner",
        exclude=rx(r"\b(?:do|does|will|shall) not (?:sell|share|rent|disclose)"),
    ),
    RiskRule(
        "entry_or_inspection",
        (
            "access to",
            "enter the",
            "entry to",
            "entry into",
            "background",
            "drug",
            "credit report",
            "consumer report",
            "credit check",
            "credit history",
            "inspect your",
            "inspect the",
            "examine your",
            "audit your",
        ),
        rx(
            rf"\b(?:access to|enter|entry (?:in)?to) (?:the )?(?:property|premises|home|dwelling|house|flat|apartment){gap(160)}(?:inspect|repair|view|maintenance|check)",
            r"\bbackground (?:check|investigation|screening)",
            r"\bdrug (?:test|screen)",
            r"\b(?:obtain|pull|review|request) (?:[\w’'-]+ ){0,3}(?:credit report|consumer report|credit check|credit history)",
            r"\b(?:inspect|audit|examine) (?:your|the \w+(?:’s|'s)) (?:books|records|accounts|home|premises|property)",
        ),
        "by_verb",
        exclude=rx(r"\bconducts?, to the extent", r"\bdoes not (?:permit|allow)"),
        clause_type="audit_rights",
    ),
    # --- outside the catalogue --------------------------------------------------------------------------------
    RiskRule(
        "other",
        ("several",),
        rx(r"\bjoint(?:ly)? and several(?:ly)?\b"),
        "actor",
        exclude=rx(r"\bnot (?:be )?joint(?:ly)? and several"),
        title="Joint and several liability",
    ),
    RiskRule(
        "other",
        ("disparag",),
        rx(
            rf"\b(?:not|never|refrain from) {gap(80)}disparag",
            r"\bnon-?disparagement (?:obligation|covenant|clause)s? (?:apply|applies|require)",
        ),
        "actor",
        title="Non-disparagement",
    ),
    RiskRule(
        "other",
        ("attorney",),
        rx(
            r"\battorney[- ]in[- ]fact\b",
            r"\bpower of attorney\b",
            rf"\bappoints?{gap(80)}(?:as )?(?:its|his|her|their|\w+(?:’s|'s)) (?:true and lawful )?(?:agent|attorney)",
        ),
        "actor",
        title="Power of attorney",
    ),
    RiskRule(
        "other",
        ("attorney", "legal fees", "legal costs", "english rule", "lawyer"),
        rx(
            r"\bpay the other (?:side|party)(?:’s|'s) (?:reasonable )?(?:attorney|attorneys|legal|lawyer)",
            rf"\bprevailing party{gap(80)}(?:entitled to|recover|awarded){gap(60)}(?:attorney|legal) (?:fees|costs)",
            rf"\blosing party{gap(60)}(?:pay|bear){gap(60)}(?:attorney|legal) (?:fees|costs)",
            r"\benglish rule\b",
        ),
        "actor",
        title="Loser pays the other side's legal fees",
    ),
    RiskRule(
        "other",
        ("end of time", "perpetu", "indefinitely", "never expire"),
        rx(
            r"\bthrough the end of time\b",
            rf"\b(?:this agreement|the obligations){gap(60)}(?:in perpetuity|perpetual|survive indefinitely|never expire)",
        ),
        "actor",
        title="No end date",
    ),
    RiskRule(
        "other",
        ("stand-off", "standoff", "lock-up", "lockup", "registration statement", "public offering", "ipo"),
        rx(
            r"\bmarket stand-?off\b",
            r"\block-?up (?:period|agreement|provision)",
            rf"\b(?:not|agrees? not to) (?:\w+ ){{0,3}}(?:sell|transfer|dispose){gap(200)}(?:following|after) the (?:effective date of the )?(?:registration statement|initial public offering|ipo)",
            r"\bfor up to \d+ days following the effective date of the registration statement",
        ),
        "actor",
        title="Lock-up after a public offering",
    ),
)
