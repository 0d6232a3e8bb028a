"""Parties, their kind and the perspective guessed from them; synthetic snippets in the shapes real contracts use."""

from __future__ import annotations

import pytest

from worker.parties import find_parties, guess_perspective, plausible_name

YOU_TEXT = " ".join(["You may use the service and your account is yours."] * 12)


def _triples(text: str) -> list[tuple[str, str | None, str]]:
    return [(p.name, p.role, p.kind) for p in find_parties(text)]


def test_preamble_parties_with_their_defined_roles() -> None:
    text = (
        "RESIDENTIAL LEASE AGREEMENT\n\nThis Residential Lease Agreement is made on March 1, 2024 between "
        'John Q. Smith ("Landlord") and Mary Jones ("Tenant").\n\n1. Rent. Tenant shall pay rent monthly.'
    )
    assert _triples(text) == [("John Q. Smith", "Landlord", "person"), ("Mary Jones", "Tenant", "person")]
    assert guess_perspective(find_parties(text)) == "Tenant"


def test_a_person_described_as_an_individual_is_a_person_and_the_company_an_organisation() -> None:
    text = (
        "INDEPENDENT CONTRACTOR AGREEMENT\n\nThis Agreement is entered into as of June 1, 2024 by and between "
        'Blue Widget LLC, a Texas limited liability company (the "Client"), and Carlos Mendez, an individual '
        '(the "Contractor").'
    )
    assert _triples(text) == [
        ("Blue Widget LLC", "Client", "organization"),
        ("Carlos Mendez", "Contractor", "person"),
    ]
    assert guess_perspective(find_parties(text)) == "Contractor"


def test_cover_terms_and_signature_labels_name_the_parties() -> None:
    text = (
        "Employment Offer Letter\nCover Terms\nEmployer\nBrightwater Analytics, Inc.\nEmployee\nMaya R. Delgado\n"
        "Base Salary\n$118,000 per year\n\nStandard Terms\nEmployee will report to the manager.\n\n"
        "Employee\nSignature\n\nPrint Name\nMaya R. Delgado\n"
    )
    assert _triples(text) == [
        ("Brightwater Analytics, Inc.", "Employer", "organization"),
        ("Maya R. Delgado", "Employee", "person"),
    ]


def test_form_lines_and_signature_blocks() -> None:
    text = (
        "Between (insert names of landlord(s)):\nLandlord  Harold James Whitmore\nand (insert names of tenant(s)):\n"
        "Tenant 1  Chloe Anne Brennan\nTenant 2  (none)\n\nSigned:\n"
        "Client: Helen Yoshida, an individual — Date: September 2, 2025\n"
    )
    names = [name for name, _, _ in _triples(text)]
    assert names == ["Harold James Whitmore", "Chloe Anne Brennan", "Helen Yoshida"]


def test_terms_of_service_list_the_drafter_and_you() -> None:
    text = f'These Terms of Use are an agreement between you and Acme Cloud, Inc. ("Acme", "we", "us"). {YOU_TEXT}'
    assert _triples(text) == [("You", "You", "person"), ("Acme Cloud, Inc.", "Acme", "organization")]
    assert guess_perspective(find_parties(text)) == "You"


def test_terms_that_never_name_their_user_add_you_beside_the_business_they_name() -> None:
    text = "Service Terms\n" + "Zephyr may suspend the service at any time. " * 4 + YOU_TEXT
    assert _triples(text) == [("Zephyr", "Zephyr", "organization"), ("You", "You", "person")]


def test_a_letter_names_its_addressee() -> None:
    text = (
        "Acme Cloud, Inc.\n\nMarch 1, 2024\n\nDear Ann Smith,\n\nWe are pleased to offer you the position of "
        'Engineer at Acme Cloud, Inc. (the "Company").'
    )
    parties = find_parties(text)
    assert ("Ann Smith", "You", "person") in [(p.name, p.role, p.kind) for p in parties]
    assert guess_perspective(parties) == "You"


def test_a_defined_investor_outside_a_between_clause() -> None:
    text = (
        'THIS CERTIFIES THAT in exchange for the payment by Jane Whitfield (the "Investor") of $50,000 on or about '
        'May 1, 2024, Acme Robotics, Inc., a Delaware corporation (the "Company"), issues to the Investor the right.'
    )
    parties = find_parties(text)
    assert [(p.name, p.role) for p in parties] == [
        ("Jane Whitfield", "Investor"),
        ("Acme Robotics, Inc.", "Company"),
    ]
    assert guess_perspective(parties) == "Investor"


def test_business_to_business_contracts_guess_no_perspective() -> None:
    text = 'This Supply Agreement is made between Acme Corp. ("Buyer") and Beta Ltd. ("Seller").'
    assert guess_perspective(find_parties(text)) is None


@pytest.mark.parametrize(
    "name",
    [
        "the landlord and tenant ..........",
        "us and our users, we have tried to",
        "2.1 Position. The Company",
        "Delaware Corporation",
        "Intern",
        "Security Firm",
        "838 Main Street",
        "Common Stock of Spring Bank Pharmaceuticals, Inc.",
    ],
)
def test_fragments_addresses_and_bare_labels_are_not_names(name: str) -> None:
    assert not plausible_name(name)


@pytest.mark.parametrize(
    "name", ["Ana Sofía Ibarra", "KANDRA LABS, INC.", "Blockchain Commons, LLC", "551 FX IB Associates, LLC"]
)
def test_names_as_written_are_names(name: str) -> None:
    assert plausible_name(name)


def test_a_label_listing_several_people_gives_each_of_them() -> None:
    text = "RESIDENTIAL LEASE\n\nLandlord: Sunrise Properties LLC\nTenant(s): John Smith and Jane Smith\nPremises: 12 Oak St\n"
    assert _triples(text) == [
        ("Sunrise Properties LLC", "Landlord", "organization"),
        ("John Smith", "Tenant", "person"),
        ("Jane Smith", "Tenant", "person"),
    ]
    assert guess_perspective(find_parties(text)) == "Tenant"


def test_a_numbered_between_list_in_the_english_style() -> None:
    text = (
        "THIS TENANCY AGREEMENT is made on 1 May 2024 BETWEEN:\n"
        '(1) JOHN SMITH of 12 High Street, London (the "Landlord"); and\n'
        '(2) MARY JONES of 3 Low Road, Leeds (the "Tenant").\n'
    )
    assert _triples(text) == [("JOHN SMITH", "Landlord", "person"), ("MARY JONES", "Tenant", "person")]


def test_a_signature_block_under_a_role_heading() -> None:
    text = (
        'LEASE AGREEMENT\n\nThis lease is made between Oak Homes LLC (the "Landlord") and the tenant named below.\n\n'
        "TENANT:\n\n______________________\nJane Doe\n"
    )
    assert _triples(text) == [("Oak Homes LLC", "Landlord", "organization"), ("Jane Doe", "Tenant", "person")]


def test_people_named_together_share_the_role_defined_after_them() -> None:
    text = (
        'This Lease is made on January 15, 2025, by and between Maple Street Rentals, LLC ("Landlord") and '
        'Robert T. Nguyen and Alicia M. Nguyen (collectively, "Tenant").'
    )
    assert [(p.name, p.role) for p in find_parties(text)] == [
        ("Maple Street Rentals, LLC", "Landlord"),
        ("Robert T. Nguyen", "Tenant"),
        ("Alicia M. Nguyen", "Tenant"),
    ]


def test_form_labels_with_name_after_the_role() -> None:
    text = "Borrower's full name: Sam Lee\nLender: First Community Bank\n"
    assert _triples(text) == [
        ("Sam Lee", "Borrower", "person"),
        ("First Community Bank", "Lender", "organization"),
    ]
    assert guess_perspective(find_parties(text)) == "Borrower"


def test_terms_that_give_the_user_a_role_keep_it() -> None:
    text = f'These Terms are an agreement between you ("Customer") and Acme Cloud, Inc. ("Acme", "we", "us"). {YOU_TEXT}'
    parties = find_parties(text)
    assert (parties[0].name, parties[0].role, parties[0].kind) == ("You", "Customer", "person")
    assert guess_perspective(parties) == "Customer"


def test_short_terms_that_speak_to_you_list_you() -> None:
    text = (
        "Short Terms of Use. Acme may change these terms. Acme may end your access. Acme may charge you. "
        + ("You agree to pay. Your data is yours. You can cancel. Your plan renews. You must be 18.")
    )
    assert _triples(text) == [("Acme", "Acme", "organization"), ("You", "You", "person")]


def test_numbered_labels_on_one_line_name_the_people() -> None:
    text = (
        "1 THE PARTIES\nBetween (insert names of landlord(s)): (“the Landlord”)\n"
        "and (insert names of tenant(s)):\n(“the Tenant”)\nTenant 1 Chloe Anne Brennan\nTenant 2 Daniel Kofi Asante\n"
        "Intern Payment Instructions\n"
    )
    names = {(p.name, p.role) for p in find_parties(text)}
    assert {("Chloe Anne Brennan", "Tenant"), ("Daniel Kofi Asante", "Tenant")} <= names
    assert not any("Payment" in name for name, _ in names)
