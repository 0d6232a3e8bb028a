"""Risk findings: codes, whom each burdens, verbatim quotes, and the misfires the rules must avoid.

Snippets are synthetic, written for these tests in the style of consumer contracts.
"""

from __future__ import annotations

import pytest

from common.analysis import Party, Risk
from worker.risk_finder import find_risks
from worker.risk_rules import RISK_RULES

LEASE_PARTIES = [
    Party(name="Harold Whitmore", role="Landlord", kind="person"),
    Party(name="Chloe Brennan", role="Tenant", kind="person"),
]


def _found(text: str, parties: list[Party] | None = None) -> list[Risk]:
    return find_risks([text], parties or [])


def _codes(text: str, parties: list[Party] | None = None) -> set[str]:
    return {risk.code for risk in _found(text, parties)}


def _against(text: str, code: str, parties: list[Party] | None = None) -> list[list[str]]:
    return [risk.against for risk in _found(text, parties) if risk.code == code]


@pytest.mark.parametrize(
    ("text", "code", "against"),
    [
        ("The Tenant shall pay a late fee of $50 for any rent paid after the fifth day.", "late_fee_or_penalty",
         ["Tenant"]),
        ("We may terminate your account at any time for any reason. You will use the service lawfully. You can "
         "reach us by e-mail. You agree to these terms. You must be 18. You may cancel. Your data is yours.",
         "termination_at_will", ["You"]),
        ("Both sides agree to bring all Lawsuits only in the state courts in Cheyenne, Wyoming.", "exclusive_venue",
         []),
        ("Employee hereby assigns to Company all right, title, and interest in the Inventions.", "ip_assignment",
         ["Employee"]),
        ("During employment and for twelve (12) months after, Employee will not solicit any employee of Company "
         "to leave.", "non_solicit", ["Employee"]),
        ("Employee must not, within the Restricted Territory, provide services to a Competitive Business.",
         "non_compete", ["Employee"]),
        ("The Landlord may make reasonable deductions from the deposit for damage to the Property. The Tenant must "
         "keep the Property clean.", "deposit_forfeiture", ["Tenant"]),
        ("The obligations of the tenants under this agreement are joint and several.", "other", []),
        ("The Company may increase the price of the plan. The Customer shall pay each invoice.",
         "unilateral_changes", ["Customer"]),
        ("YOU AND ACME EACH WAIVE ANY RIGHT TO A JURY TRIAL.", "jury_waiver", []),
    ],
)  # fmt: skip
def test_a_risk_is_found_with_the_roles_it_burdens(text: str, code: str, against: list[str]) -> None:
    assert against in _against(text, code, LEASE_PARTIES if "Tenant" in text else None)


def test_every_quote_is_verbatim_and_not_a_bare_heading() -> None:
    pages = [
        "Arbitration.\nAny dispute will be resolved by binding arbitration in San Francisco.",
        "Exclusive Venue.\n\nDisputes shall be brought only in the courts of Denver, Colorado.",
    ]
    risks = find_risks(pages)
    assert {risk.code for risk in risks} == {"arbitration", "exclusive_venue"}
    for risk in risks:
        assert risk.quote is not None
        assert any(risk.quote in page for page in pages)
        assert risk.quote not in {"Arbitration.", "Exclusive Venue."}


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("Additional terms of the plan are set out in the order form.", "auto_renewal"),
        ("The Restricted Period is extended by one day for each day of breach.", "auto_renewal"),
        ("The Tenant must not damage the lines that exclusively serve the Property.", "any"),
        ("2.1 The Landlord reserves the right to end the Tenancy if: (a) the rent is unpaid 14 days after "
         "becoming payable; or (b) the Tenant breaches any term of this Tenancy.", "termination_at_will"),
        ("Nothing in these terms excludes or limits our liability for death or personal injury caused by our "
         "negligence.", "liability_limited"),
        ("Nothing in these terms excludes or limits our liability for death or personal injury caused by our "
         "negligence.", "uncapped_liability"),
        ("Employee may not assign this agreement. Company may assign this agreement to a successor.",
         "ip_assignment"),
        ("5.1 Waivers. The Company waives presentment, demand and notice of dishonor.", "jury_waiver"),
        ("You may cancel your subscription at any time from your account page.", "termination_at_will"),
        ("These Terms include information about automatic renewals and a class action waiver.", "auto_renewal"),
        ("The word arbitration appears in no binding clause; no waiver of any right applies.", "arbitration"),
    ],
)  # fmt: skip
def test_look_alikes_are_not_risks(text: str, absent: str) -> None:
    codes = _codes(text, LEASE_PARTIES)
    assert codes == set() if absent == "any" else absent not in codes


def test_an_indemnity_that_runs_to_the_individual_burdens_the_business() -> None:
    parties = [
        Party(name="Blockchain Commons, LLC", role="Security Firm", kind="organization"),
        Party(name="Helen Yoshida", role="Client", kind="person"),
    ]
    text = (
        "Security Firm will pay any losses that Client pays or becomes legally responsible to pay, including "
        "expenses of defending against any legal claim. Client agrees not to publish the Reports."
    )
    assert _against(text, "indemnity_by_you", parties) == [["Security Firm"]]


def test_a_cap_on_the_providers_liability_burdens_the_user() -> None:
    text = (
        "You agree to these terms. You may use the service. You must pay. Your plan is yours. You can cancel. "
        "You own your content. You are responsible for your account. "
        "Any liability for Mozilla under this agreement is limited to $500."
    )
    assert _against(text, "liability_limited") == [["You"]]


def test_guidance_notes_are_not_part_of_the_agreement() -> None:
    pages = [
        "4 THE TERM\n4.1 The Tenancy begins on 1 September 2025.\nGuidance Note: The Term. Landlords may "
        "terminate the tenancy at any time for any reason in some cases,",
        "which this note explains further.\n5 THE RENT\n5.1 The Tenant must pay the rent on the first day.",
    ]
    assert "termination_at_will" not in {risk.code for risk in find_risks(pages, LEASE_PARTIES)}


def test_every_other_rule_has_a_title() -> None:
    assert all(rule.title for rule in RISK_RULES if rule.code == "other")
    assert all(rule.keywords and all(k == k.lower() for k in rule.keywords) for rule in RISK_RULES)


def test_a_letter_that_calls_its_one_person_you_burdens_that_persons_role() -> None:
    parties = [
        Party(name="Brightwater Analytics, Inc.", role="Company", kind="organization"),
        Party(name="Maya R. Delgado", role="Employee", kind="person"),
    ]
    text = (
        "Dear Maya, we are pleased to offer you a position. You will report to the Director. You will be paid "
        "monthly. You agree to follow our policies. Your start date is March 3. You must keep Company information "
        "confidential and you will not disclose it. You will not, during employment or for one year after, "
        "solicit any employee of the Company. You may resign at any time. You are welcome."
    )
    assert _against(text, "non_solicit", parties) == [["Employee"]]


TENANCY = LEASE_PARTIES
EMPLOYMENT = [
    Party(name="Acme Inc.", role="Company", kind="organization"),
    Party(name="Jo Smith", role="Employee", kind="person"),
]
CREDIT = [
    Party(name="Lendco LLC", role="Lender", kind="organization"),
    Party(name="Jo Smith", role="Borrower", kind="person"),
]
TERMS = (
    "You agree to these Terms. You must be 18. Your account is yours. You may use the app. You can leave. "
)


@pytest.mark.parametrize(
    ("parties", "text", "code", "against"),
    [
        (TENANCY, "Landlord may enter the Premises at reasonable times to inspect or make repairs.",
         "entry_or_inspection", ["Tenant"]),
        (TENANCY, "Landlord may deduct from the security deposit any unpaid rent and the cost of repairs.",
         "deposit_forfeiture", ["Tenant"]),
        (TENANCY, "Each Tenant is jointly and severally liable for all obligations under this Lease.", "other",
         ["Tenant"]),
        (TENANCY, "Tenant shall indemnify and hold Landlord harmless from any claims arising from Tenant's use.",
         "indemnity_by_you", ["Tenant"]),
        (TENANCY, "Landlord shall not be liable for any damage to Tenant's personal property.", "liability_limited",
         ["Tenant"]),
        (TENANCY, "Tenant waives the right to a trial by jury in any action arising out of this Lease.",
         "jury_waiver", ["Tenant"]),
        (EMPLOYMENT, "Employee agrees to repay the signing bonus in full if Employee resigns within twelve months.",
         "repayment_obligation", ["Employee"]),
        (EMPLOYMENT, "The Company may terminate Employee's employment at any time, with or without cause.",
         "termination_at_will", ["Employee"]),
        (CREDIT, "Borrower shall pay a late fee of 5% of any installment not paid within 10 days of its due date.",
         "late_fee_or_penalty", ["Borrower"]),
        (CREDIT, "Lender may share information about Borrower with its affiliates and credit bureaus.",
         "data_sharing", ["Borrower"]),
        (CREDIT, "Borrower authorizes Lender to obtain a consumer credit report.", "entry_or_inspection",
         ["Borrower"]),
        ([], TERMS + "We may change these Terms at any time by posting the revised Terms.", "unilateral_changes",
         ["You"]),
        ([], TERMS + "We may suspend or terminate your account at any time without notice.", "termination_at_will",
         ["You"]),
        ([], TERMS + "You and the Company agree that any dispute will be resolved by binding arbitration.",
         "arbitration", []),
        ([], TERMS + "In no event will our total liability to you exceed the amount you paid us.",
         "liability_limited", ["You"]),
        ([], TERMS + "If you cancel before the end of your term, you will be charged an early termination fee.",
         "early_termination_fee", ["You"]),
    ],
)  # fmt: skip
def test_common_consumer_wording_is_read_for_the_right_side(
    parties: list[Party], text: str, code: str, against: list[str]
) -> None:
    assert against in _against(text, code, parties)


def test_a_deposit_deduction_is_no_repayment_obligation() -> None:
    text = "Landlord may deduct from the security deposit any unpaid rent and the cost of repairing damage."
    assert "repayment_obligation" not in _codes(text, LEASE_PARTIES)


@pytest.mark.parametrize(
    ("text", "code", "present"),
    [
        (TERMS + "We may terminate your account at any time, for any reason or no reason, including if you violate "
         "these Terms.", "termination_at_will", True),
        (TERMS + "Prices are subject to change.", "unilateral_changes", True),
        (TERMS + "Nothing in these Terms prevents you from joining a class action.", "class_action_waiver", False),
        ("Employee shall not use Confidential Information to compete with the Company.", "non_compete", False),
    ],
)  # fmt: skip
def test_sentences_that_decide_a_rule_either_way(text: str, code: str, present: bool) -> None:
    assert (code in _codes(text, EMPLOYMENT)) is present


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("The Investor can bear the economic risk of the Investor's investment, including a complete loss.",
         "no_repayment_or_dilution"),
        (TERMS + "We will charge your payment method each month until you cancel.", "auto_renewal"),
        ("Any claim between the parties will be arbitrated under the JAMS rules.", "arbitration"),
    ],
)  # fmt: skip
def test_investment_subscription_and_arbitration_wording(text: str, code: str) -> None:
    assert code in _codes(text)


def test_a_first_person_promise_binds_the_signer() -> None:
    text = "I agree that during my employment and for one year after, I will not compete with the Company."
    assert _against(text, "non_compete", EMPLOYMENT) == [["Employee"]]
