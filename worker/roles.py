"""The role labels contracts give their parties, and which side of a deal each usually stands on.

`individual` roles are the person facing a business (the perspective guessed for the signer); `business` roles
are the side that drafted the terms. A role in neither set is taken as it is written.
"""

from __future__ import annotations

INDIVIDUAL_ROLES: frozenset[str] = frozenset(
    {
        "tenant", "lessee", "resident", "occupant", "renter",
        "employee", "executive", "intern", "contractor", "consultant", "developer", "freelancer", "worker",
        "customer", "user", "you", "subscriber", "member", "client", "buyer", "purchaser", "student",
        "holder", "investor", "shareholder", "noteholder",
        "borrower", "participant", "guarantor", "recipient", "artist", "author", "creator", "patient",
    }
)  # fmt: skip
BUSINESS_ROLES: frozenset[str] = frozenset(
    {
        "landlord", "lessor", "owner", "agent", "manager", "employer", "company", "corporation", "lender",
        "provider", "service provider", "security firm", "licensor", "seller", "vendor", "supplier",
        "franchisor", "discloser", "firm", "bank", "issuer", "fund", "platform",
    }
)  # fmt: skip
# Roles of businesses dealing with each other: never a party's name on their own ("Distributor").
OTHER_ROLES: frozenset[str] = frozenset(
    {
        "distributor", "reseller", "licensee", "partner", "sponsor", "franchisee", "manufacturer", "contractor",
        "purchaser", "party a", "party b", "sublicensee", "marketer", "endorser", "promoter", "operator",
        "consultant", "developer", "publisher", "producer", "customer", "recipient", "disclosing party",
        "receiving party", "the company", "the parties",
    }
)  # fmt: skip
# Role words that may label a party's name on a cover page, in a form or in a signature block.
LABEL_ROLES: tuple[str, ...] = tuple(
    sorted(
        {r.title() for r in INDIVIDUAL_ROLES | BUSINESS_ROLES if r not in {"you", "firm", "fund", "bank"}},
        key=len,
        reverse=True,
    )
)


def singular(role: str) -> str:
    """The role compared case-insensitively, singular = plural ("Tenants" is "tenant")."""
    low = " ".join(role.casefold().split())
    return low[:-1] if low.endswith("s") and not low.endswith("ss") else low


def is_individual(role: str | None) -> bool:
    return role is not None and singular(role) in INDIVIDUAL_ROLES


def is_business(role: str | None) -> bool:
    return role is not None and singular(role) in BUSINESS_ROLES


def is_role_word(text: str) -> bool:
    """A bare role label ("Intern", "Security Firm", "Distributor") rather than a name."""
    low = singular(text)
    return low in INDIVIDUAL_ROLES or low in BUSINESS_ROLES or low in OTHER_ROLES
