"""Contract type, governing law, effective date, money and deadlines, from synthetic snippets."""

from __future__ import annotations

from datetime import date

import pytest

from common.analysis import Party
from worker.contract_type import contract_type
from worker.dates import effective_date
from worker.deadlines import find_deadlines
from worker.governing_law import governing_law
from worker.money import find_money


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("RESIDENTIAL LEASE AGREEMENT", "lease"),
        ("Assured Shorthold Tenancy Agreement", "lease"),
        ("Employment Offer Letter", "employment"),
        ("EMPLOYEE CONFIDENTIALITY AND NON DISCLOSURE AGREEMENT", "nda"),
        ("Confidentiality & Invention Assignment Agreement", "employment"),
        ("Independent Contractor Agreement", "contractor"),
        ("Mozilla Subscription Services |\nTerms of Service", "terms_of_service"),
        ("CONVERTIBLE PROMISSORY NOTE", "investment"),
        ("SAFE (Simple Agreement for Future Equity)", "investment"),
        ("INCOME SHARING AGREEMENT", "loan"),
        ("Personal Loan Agreement", "loan"),
        ("SOFTWARE LICENSE AGREEMENT", "license"),
        ("DISTRIBUTOR AGREEMENT", "services"),
    ],
)
def test_contract_type_from_the_title(title: str, expected: str) -> None:
    assert contract_type(f"{title}\n\nThis agreement sets out the terms.", []) == expected


def test_a_subscription_agreement_is_an_investment_only_when_it_sells_shares() -> None:
    shares = "SUBSCRIPTION AGREEMENT\n\nThe undersigned subscribes for 1,000 shares of common stock."
    service = "Subscription Agreement\n\nYou subscribe to the Service and pay monthly."
    assert contract_type(shares, []) == "investment"
    assert contract_type(service, []) == "terms_of_service"


def test_contract_type_without_a_title_follows_the_words_the_text_uses() -> None:
    assert contract_type("The Tenant shall pay the Landlord. " * 12, []) == "lease"
    companies = [Party(name="Acme Corp.", kind="organization"), Party(name="Beta Ltd.", kind="organization")]
    assert contract_type("Each party shall perform.", companies) == "services"
    assert contract_type("Each party shall perform.", []) == "other"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "All disputes shall be resolved in accordance with the laws of the State of California.",
            "California",
        ),
        ("This Agreement is construed under the laws of the Commonwealth of Pennsylvania.", "Pennsylvania"),
        ("Governing Law: Florida\n", "Florida"),
        ("Governing Law\nColorado\nVenue\nstate courts", "Colorado"),
        ("Wyoming law will govern all rights and duties under the agreement.", "Wyoming"),
        ("Choice of Law. California law applies to this contract.", "California"),
        ("This Agreement is governed by English law.", "England"),
        ("governed by the laws of the State of Tennessee and the parties submit to its courts.", "Tennessee"),
        ("governed by the laws of the Province of Ontario and the Parties agree to arbitrate.", "Ontario"),
        (
            "This Agreement was entered into in the State of New Jersey, and shall be construed in accordance "
            "with the laws of that State.",
            "New Jersey",
        ),
        ("Acme, a corporation organized under the laws of the State of Delaware, agrees to comply.", None),
        ("Each party shall comply with all applicable laws.", None),
    ],
)
def test_governing_law_only_from_an_express_choice(text: str, expected: str | None) -> None:
    assert governing_law(text) == expected


def test_a_choice_of_law_beats_an_earlier_export_law_mention() -> None:
    text = (
        "You shall comply with the export laws of the United States. "
        "This Agreement shall be governed by the laws of the State of New York."
    )
    assert governing_law(text) == "New York"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Effective Date\nApril 1, 2025\nGoverning Law\nMassachusetts", date(2025, 4, 1)),
        (
            "Start Date\n\nJune 2, 2025\nEnd Date\n\nAugust 15, 2025\nSigned: Date: May 20, 2025",
            date(2025, 6, 2),
        ),
        (
            'This Agreement is entered into on March 15, 2022 ("Effective Date") by and between',
            date(2022, 3, 15),
        ),
        (
            "executed this 14th day of October, 2024, but effective for all purposes on the Effective Date",
            None,
        ),
        ("The tenancy begins on: 1 September 2025 and ends on: 31 August 2027", date(2025, 9, 1)),
    ],
)
def test_effective_date(text: str, expected: date | None) -> None:
    assert effective_date(text) == expected


def _money(text: str) -> list[tuple[str, str, str, str | None]]:
    return [(m.kind, m.amount, m.currency, m.period) for m in find_money([text])]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6.1 The rent is £253.85 per week, which is £1,100.00 per month.", [
            ("rent", "253.85", "GBP", "week"), ("rent", "1100.00", "GBP", "month")]),
        ("The Tenant has paid a deposit of £1,269.00 which the landlord will protect.", [
            ("deposit", "1269.00", "GBP", "once")]),
        ("Base Salary\n$118,000 per year, paid semi-monthly", [("salary", "118000.00", "USD", "year")]),
        ("Any liability for Mozilla under this agreement is limited to\n$500.", [
            ("liability_cap", "500.00", "USD", None)]),
        ("IN NO EVENT SHALL WE BE LIABLE FOR ANY AMOUNT IN EXCESS OF ONE-HUNDRED ($100) DOLLARS.", [
            ("liability_cap", "100.00", "USD", None)]),
        ("A late fee of $50 applies to rent paid after the 5th.", [("late_fee", "50.00", "USD", "once")]),
        ("Fee\n\n5,000\nCurrency\n\nUnited States Dollars", [("fee", "5000.00", "USD", "once")]),
        ("The subscription costs 9.99 EUR per month.", [("price", "9.99", "EUR", "month")]),
        ("For example, the rent is agreed at £300 per week.", []),
        ("£300 per week £300 x 1.014 = £304.20", []),
        ("Interest accrues at 6% per annum.", []),
    ],
)  # fmt: skip
def test_money(text: str, expected: list[tuple[str, str, str, str | None]]) -> None:
    assert _money(text) == expected


def test_money_text_is_verbatim_from_the_page() -> None:
    page = "Terms.\n\n6.1 The rent is £253.85 per week, payable in advance on the first day."
    (money,) = find_money([page])
    assert money.text in page
    assert "£253.85" in money.text


def test_deadlines_dated_and_notice_periods() -> None:
    page = (
        "Start Date\n\nSeptember 8, 2025\nEnd Date\n\nOctober 31, 2025\n\n"
        "This Agreement renews automatically for successive one-year terms unless either party gives written "
        "notice of non-renewal at least sixty (60) days before the end of the then-current term. "
        "Either party may terminate this Agreement on thirty (30) days' written notice to the other. "
        'All unpaid principal shall be due and payable on or after May 12, 2027 (the "Maturity Date").'
    )
    found = [(d.kind, d.date, d.days) for d in find_deadlines([page])]
    assert ("effective", date(2025, 9, 8), None) in found
    assert ("term_end", date(2025, 10, 31), None) in found
    assert ("renewal_notice", None, 60) in found
    assert ("termination_notice", None, 30) in found
    assert ("term_end", date(2027, 5, 12), None) in found
    assert all(d.text in page for d in find_deadlines([page]))


def test_a_look_back_period_is_no_notice_period() -> None:
    page = "Covered Customers means customers with whom Employee had contact during the 12 months before termination."
    assert find_deadlines([page]) == []


def test_a_defined_governing_law_names_no_place() -> None:
    text = (
        "10. Governing Law and Courts. The Governing Law governs this NDA and any action arising out of it."
    )
    assert governing_law(text) is None


def test_a_cancellation_window_before_renewal_is_a_renewal_notice() -> None:
    page = "Your subscription renews automatically unless you cancel at least 24 hours before the end of the period."
    assert [(d.kind, d.days) for d in find_deadlines([page])] == [("renewal_notice", 1)]


def test_an_iso_code_before_the_amount() -> None:
    assert _money("The fee is USD 1,000, payable on signing.") == [("fee", "1000.00", "USD", "once")]


def test_the_offline_analysis_carries_the_signer_facts_verbatim() -> None:
    from worker.offline_analyzer import analyze_offline

    pages = [
        "RESIDENTIAL LEASE AGREEMENT\n\nThis Lease is made on March 1, 2024 between Oak Homes LLC, a Texas limited "
        'liability company (the "Landlord"), and Mary Jones (the "Tenant").\n\n1. Term. The tenancy begins on: '
        "1 April 2024 and ends on: 31 March 2025.\n\n2. Rent. The rent is $1,450.00 per month. A late fee of $75 "
        "applies to rent paid after the 5th.",
        "3. Deposit. The Tenant has paid a security deposit of $1,450.00.\n\n4. Notice. Either party may end this "
        "Lease by giving sixty (60) days' written notice.\n\n5. Law. This Lease is governed by the laws of the State "
        "of Texas.",
    ]
    analysis = analyze_offline(pages, "lease")
    assert analysis.contract_type == "lease"
    assert analysis.perspective == "Tenant"
    assert analysis.governing_law == "Texas"
    assert analysis.effective_date == date(2024, 3, 1)
    assert {(m.kind, m.amount, m.period) for m in analysis.money} >= {
        ("rent", "1450.00", "month"),
        ("late_fee", "75.00", "once"),
        ("deposit", "1450.00", "once"),
    }
    assert {(d.kind, d.date, d.days) for d in analysis.deadlines} >= {
        ("term_end", date(2025, 3, 31), None),
        ("termination_notice", None, 60),
    }
    for text in [m.text for m in analysis.money] + [d.text for d in analysis.deadlines]:
        assert any(text in page for page in pages), text


def test_holdover_rent_is_a_penalty_and_a_subscription_price_a_fee() -> None:
    assert _money("If Tenant remains in possession after the term, rent shall be $2,475.00 per month.") == [
        ("penalty", "2475.00", "USD", "month")
    ]
    assert _money("Your subscription renews automatically each month at £7.99 per month.") == [
        ("fee", "7.99", "GBP", "month")
    ]


def test_an_untitled_offer_letter_is_employment() -> None:
    letter = (
        "Dear Sam Ortiz,\n\nWe are delighted to offer you the position of Analyst at Brightwater Ltd. "
        "Your start date will be May 5, 2025. Your salary will be $60,000 per year.\n\nSincerely,\nHR"
    )
    assert contract_type(letter, []) == "employment"


def test_a_lease_takes_effect_when_its_term_begins_not_when_it_was_signed() -> None:
    text = (
        "This Residential Lease Agreement is made on February 10, 2025 between A and B.\n"
        "1. TERM. The lease term begins on March 1, 2025 and ends on February 28, 2026."
    )
    assert effective_date(text) == date(2025, 3, 1)
