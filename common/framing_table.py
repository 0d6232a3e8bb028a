"""What each risk code means to the person who signs: severity, plain wording and advice, by contract type and side.

One entry per catalogue code (`RISK_TABLE`), and entries for the common risks outside the catalogue
(`OTHER_TABLE`, keyed by the finding's title). `side` is "individual" for the person facing a business (tenant,
employee, contractor, user, investor, borrower) and "business" for the other side. Advice is written so that an
individual is never told to negotiate like a company (no "cap equal to 12 months of fees", no "assignment to a
buyer of the business").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from common.analysis import ContractType, RiskCode, RiskLevel

Side = Literal["individual", "business"]


@dataclass(frozen=True)
class Wording:
    detail: str
    advice: str
    rationale: str
    severity: RiskLevel | None = None


@dataclass(frozen=True)
class Entry:
    title: str
    severity: RiskLevel
    detail: str  # for the party it burdens
    advice: str  # for an individual
    rationale: str
    business_advice: str | None = None  # for a business reading the same risk
    by_type: dict[ContractType, Wording] = field(default_factory=dict)

    def wording(self, contract_type: ContractType, side: Side | None) -> Wording:
        special = self.by_type.get(contract_type)
        if special is not None and side != "business":
            return Wording(
                special.detail, special.advice, special.rationale, special.severity or self.severity
            )
        advice = self.business_advice if side == "business" and self.business_advice else self.advice
        return Wording(self.detail, advice, self.rationale, self.severity)


RISK_TABLE: dict[RiskCode, Entry] = {
    "auto_renewal": Entry(
        "Renews automatically",
        "medium",
        "It renews and you are charged again unless you cancel in time.",
        "Put the cancellation deadline in your calendar now, and cancel before it if you do not want another term.",
        "Missing the deadline commits you to, and charges you for, a further term.",
        business_advice="Diarise the non-renewal deadline and decide before it whether to renew.",
        by_type={
            "lease": Wording(
                "The tenancy continues or renews unless notice is given in time.",
                "Note the date by which you must give notice if you want to leave at the end of the term.",
                "Without notice you stay bound, and pay rent, for a further period.",
            ),
        },
    ),
    "unilateral_changes": Entry(
        "They can change the terms",
        "medium",
        "The other side may change the terms, prices or what you get without your agreement.",
        "Ask to be told of changes in advance and to be able to leave without cost if you do not accept them; "
        "read any change notice you receive.",
        "Continuing under changed terms usually counts as accepting them.",
        business_advice="Ask for advance notice of changes and a right to terminate if a change is unacceptable.",
        by_type={
            "employment": Wording(
                "The employer may change your position, duties or other terms of employment.",
                "Ask for material changes (pay, hours, location, role) to need your written agreement.",
                "A one-sided right to change the job can alter what you agreed to without a new contract.",
            ),
            "investment": Wording(
                "Your investment's terms can be changed by others (the company and a majority of holders) "
                "without your own consent.",
                "Check who counts as the majority and whether changes must treat every holder alike.",
                "You may be bound by amendments you voted against.",
            ),
            "loan": Wording(
                "The other side may change your payments or terms on its own.",
                "Ask for any change to your payments to need your written agreement, or to be limited and "
                "announced in advance.",
                "A one-sided right to change payments makes what you owe unpredictable.",
                "high",
            ),
        },
    ),
    "termination_at_will": Entry(
        "They can end it at any time",
        "medium",
        "The other side may end this (or your access) at any time, without a reason.",
        "Keep your own copies of anything you store with them, and check what you get back (refund, final "
        "pay, notice) if they end it.",
        "You could lose the service, the work or the income at short notice.",
        business_advice="Check the notice period and what is owed for work done when either side ends it.",
        by_type={
            "employment": Wording(
                "Employment is at will: it can be ended at any time, with or without cause or notice.",
                "Ask whether any severance or notice applies, and keep the offer's promises (bonus, equity) in "
                "writing.",
                "Your job and pay can stop at any time.",
            ),
            "terms_of_service": Wording(
                "The provider may suspend or close your account at any time, for any reason.",
                "Keep your own copies of your data, and check whether unused prepaid fees are refunded.",
                "You could lose access to the service and what you stored in it without warning.",
            ),
        },
    ),
    "early_termination_fee": Entry(
        "Fee for ending it early",
        "high",
        "Ending the contract before its term costs you a fee or the remaining payments.",
        "Work out what leaving early would cost at different points, and ask for the fee to fall over time.",
        "A fixed exit charge can cost more than staying.",
    ),
    "arbitration": Entry(
        "Disputes go to private arbitration",
        "medium",
        "Disputes are decided by an arbitrator, not a court, and the decision is hard to appeal.",
        "Check whether you can opt out (often within 30 days of accepting) and do so if you prefer a court.",
        "Arbitration limits your remedies and is private; small claims may not be worth bringing.",
    ),
    "class_action_waiver": Entry(
        "No class actions",
        "medium",
        "You give up joining a class or group action; each claim must be brought alone.",
        "Know that small claims shared by many users will have to be pursued individually.",
        "Without a group action, small individual losses are rarely worth pursuing.",
    ),
    "jury_waiver": Entry(
        "No jury trial",
        "low",
        "You give up the right to a jury if a dispute reaches court.",
        "Be aware you are giving up a jury; ask for the waiver to be removed if that matters to you.",
        "A judge alone decides any dispute in court.",
    ),
    "exclusive_venue": Entry(
        "Disputes only in their courts",
        "low",
        "Any lawsuit must be brought in the courts of a named place, which may be far from you.",
        "Check where the named courts are; travel and local lawyers there raise the cost of any dispute.",
        "A distant forum can make a dispute too costly to pursue or defend.",
    ),
    "liability_limited": Entry(
        "Their liability to you is limited",
        "medium",
        "The other side excludes or caps what it owes you if things go wrong.",
        "Check what the cap leaves you with if you lose data, money or time, and keep your own backups or "
        "insurance for what matters.",
        "Losses above the cap or in the excluded categories stay with you.",
        business_advice="Check the cap against your real exposure and ask for carve-outs for data loss, "
        "confidentiality and the other side's indemnities.",
    ),
    "uncapped_liability": Entry(
        "Your liability is unlimited",
        "high",
        "You carry unlimited liability for some claims.",
        "Ask for your liability to be limited to a fixed amount or to what you are paid or pay under the contract.",
        "Without a limit, one claim could cost far more than the contract is worth to you.",
        business_advice="Ask for a cap or for the carve-outs from the cap to be narrowed.",
    ),
    "indemnity_by_you": Entry(
        "You cover their losses",
        "high",
        "You must pay the other side's losses and legal costs from claims connected with you.",
        "Ask to limit it to losses you actually caused through your own fault, and check whether your "
        "insurance covers it.",
        "An indemnity can make you pay legal costs and claims far beyond what you earn or pay.",
        business_advice="Ask for the indemnity to be mutual, limited to third-party claims and within the cap.",
    ),
    "non_compete": Entry(
        "You may not compete",
        "high",
        "You may not work for or set up a competing business for a period and area.",
        "Check how long it lasts, where it applies and what counts as competing; ask for it to be shorter, "
        "narrower or paid, and check whether it is enforceable where you live.",
        "A broad non-compete can keep you out of your field after you leave.",
        business_advice="Check the restraint is limited in time, territory and scope to what the deal needs.",
    ),
    "non_solicit": Entry(
        "You may not solicit their staff or customers",
        "medium",
        "For a period you may not recruit their people or approach their customers.",
        "Check how long it lasts and whom it covers; make sure it does not stop you accepting work or people "
        "who come to you.",
        "It limits whom you can work with or hire after you leave.",
    ),
    "ip_assignment": Entry(
        "You hand over what you create",
        "medium",
        "Rights in what you create under this contract pass to the other side.",
        "List anything you made before or make on your own time and equipment, and keep it out of the assignment.",
        "Without an exclusion, your own side projects and earlier work may be claimed.",
        business_advice="Make sure pre-existing IP is excluded and that you keep a licence to what you need.",
    ),
    "confidentiality_on_you": Entry(
        "You must keep their information secret",
        "low",
        "You must keep the other side's information confidential and not use it for anything else.",
        "Ask how long the duty lasts, and keep what you learn apart from your own knowledge and projects.",
        "Breaching confidentiality can lead to damages and injunctions.",
    ),
    "late_fee_or_penalty": Entry(
        "Late fees and penalties",
        "medium",
        "Paying late or breaking a term costs you extra: fees, interest or a fixed penalty.",
        "Set up automatic payment before the due date, and note how much each late payment costs.",
        "Fees and interest add up quickly and can be passed to collection.",
        by_type={
            "lease": Wording(
                "Late rent or staying on after the tenancy costs you interest, fees or extra rent.",
                "Pay rent by standing order a few days before it is due, and note the interest rate charged.",
                "Arrears grow with interest and can put the tenancy at risk.",
            ),
        },
    ),
    "non_refundable": Entry(
        "Payments are not refunded",
        "medium",
        "Money you pay is not refunded, even if you cancel or stop using it.",
        "Pay for the shortest period you need, and check the refund window before you pay.",
        "Cancelling does not get your money back.",
    ),
    "deposit_forfeiture": Entry(
        "Deductions from your deposit",
        "medium",
        "The other side may keep some or all of your deposit.",
        "Take dated photos and an inventory at the start and end, and check your deposit is protected in a "
        "government-approved scheme where the law requires it.",
        "Without evidence of condition, disputes over deductions are hard to win.",
    ),
    "personal_guarantee": Entry(
        "You guarantee it personally",
        "high",
        "You are personally liable for someone else's obligations, with your own assets.",
        "Ask for the guarantee to be capped in amount and time, or removed.",
        "A guarantee puts your personal savings and property at risk.",
    ),
    "repayment_obligation": Entry(
        "You may have to pay money back",
        "medium",
        "You may have to repay costs (training, bonus, relocation) if you leave or break the terms.",
        "Check when repayment applies and ask for it to reduce month by month.",
        "Leaving early could cost you money you have already spent.",
    ),
    "no_repayment_or_dilution": Entry(
        "You may lose your investment",
        "high",
        "Your money may not be repaid and your stake can be diluted or lost.",
        "Invest only what you can afford to lose, and check the conversion terms, the cap and what happens on "
        "a sale or failure of the company.",
        "Early-stage investments often return nothing.",
    ),
    "data_sharing": Entry(
        "Your data is shared",
        "medium",
        "Your personal information may be shared with or processed by others.",
        "Read the privacy notice, and use the privacy settings or opt-outs it offers.",
        "Once shared, your data is hard to take back.",
    ),
    "entry_or_inspection": Entry(
        "They may enter or inspect",
        "low",
        "The other side may enter your home, inspect your records or check your background.",
        "Check how much notice is required and keep a record of each visit or check.",
        "Inspections and checks touch your privacy.",
        by_type={
            "lease": Wording(
                "The landlord (or people acting for them) may enter the property, for example to inspect or repair.",
                "Check the notice required before visits (usually 24 hours in writing) and keep a record of them.",
                "Visits affect your privacy in your home.",
            ),
        },
    ),
    "other": Entry(
        "Other risk",
        "medium",
        "A term that burdens you.",
        "Read this term carefully and ask the other side to explain or change it.",
        "It is outside the usual terms and can cost you.",
    ),
}

OTHER_TABLE: dict[str, Entry] = {
    "Joint and several liability": Entry(
        "Joint and several liability",
        "high",
        "Each of you is liable for the whole amount, not just your share.",
        "Make sure you trust your co-signers, since you can be made to pay everything they owe.",
        "If a co-signer does not pay, the other side can claim it all from you.",
    ),
    "Non-disparagement": Entry(
        "You may not criticise them",
        "medium",
        "You must not make negative statements about the other side, often for a long time.",
        "Check how long it lasts and that it does not stop you reporting unlawful conduct.",
        "Breach can lead to a claim against you.",
    ),
    "Power of attorney": Entry(
        "They can sign for you",
        "medium",
        "You appoint the other side to sign documents in your name.",
        "Ask for the power to be limited to the documents the contract needs.",
        "A power of attorney lets them act in your name.",
    ),
    "Loser pays the other side's legal fees": Entry(
        "The loser pays legal fees",
        "medium",
        "Whoever loses in court pays the other side's lawyers.",
        "Weigh the risk of paying their legal costs before bringing or defending a claim.",
        "Legal fees can exceed the amount in dispute.",
    ),
    "No end date": Entry(
        "It never ends",
        "medium",
        "Your obligations under this agreement have no end date.",
        "Ask for an end date (for example two to five years) for the obligations that bind you.",
        "A duty without end binds you long after the relationship is over.",
    ),
    "Lock-up after a public offering": Entry(
        "You cannot sell after an IPO",
        "low",
        "After a public offering you may not sell your shares for a period.",
        "Plan for your shares being locked up for months after any IPO.",
        "You cannot cash out when the shares first become tradable.",
    ),
}

# Roles that name the person facing a business; framing reads these as the individual side.
INDIVIDUAL_ROLES = frozenset(
    [
        *[
            "trainee",
            "apprentice",
            "applicant",
            "candidate",
            "driver",
            "courier",
            "talent",
            "influencer",
            "player",
            "athlete",
        ],
        *["homeowner", "guest", "debtor"],
        "you",
        "tenant",
        "lessee",
        "renter",
        "occupant",
        "resident",
        "employee",
        "intern",
        "worker",
        "contractor",
        "consultant",
        "developer",
        "freelancer",
        "customer",
        "user",
        "member",
        "subscriber",
        "investor",
        "holder",
        "borrower",
        "participant",
        "student",
        "volunteer",
        "patient",
        "client",
        "guarantor",
        "creator",
        "artist",
        "author",
    ]
)

SEVERITY_ORDER: dict[RiskLevel, int] = {"high": 0, "medium": 1, "low": 2}

CONTRACT_NAMES: dict[ContractType, str] = {
    "lease": "a lease",
    "employment": "an employment agreement",
    "contractor": "a contractor agreement",
    "terms_of_service": "the terms of service",
    "nda": "a confidentiality agreement",
    "investment": "an investment agreement",
    "loan": "a financing agreement in which you repay money",
    "services": "a services agreement",
    "license": "a licence agreement",
    "purchase": "a purchase agreement",
    "other": "a contract",
}


def catalogue_title(code: RiskCode) -> str:
    return RISK_TABLE[code].title


def missing_codes() -> set[str]:
    """Catalogue codes without a table entry (none, as the tests check)."""
    return set(get_args(RiskCode)) - set(RISK_TABLE)
