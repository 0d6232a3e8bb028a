"""The analysis as the person who signs reads it in the browser: what kind of contract, which side they are on,
what they pay, the dates, the risks for them, and "add to calendar"."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Stack, Tab
from tests.e2e.steps import new_email, sign_in, sign_up_by_api, upload_by_input, wait_for_analysis
from tests.pipeline import LEASE_TEXT
from tests.servers import Mailbox

pytestmark = pytest.mark.e2e


def test_a_tenant_sees_their_side_money_and_deadlines(tab: Tab, stack: Stack, mailbox: Mailbox) -> None:
    page = tab.page
    email = new_email("tenant")
    sign_up_by_api(stack, mailbox, email)
    sign_in(tab, email)
    upload_by_input(tab, "lease.txt", LEASE_TEXT)
    wait_for_analysis(tab)

    expect(page.locator(".contract-type")).to_contain_text("Lease")
    side = page.get_by_label("I am the")
    expect(side).to_have_value("Tenant")
    expect(page.locator(".section-risks h2")).to_contain_text("Risks for you")
    rent = page.locator(".money-table .money-rent")
    expect(rent).to_contain_text("$1,450.00")
    expect(rent).to_contain_text("a month")
    expect(page.locator(".money-table .money-deposit")).to_contain_text("$2,900.00")
    expect(page.locator(".deadline-list .deadline").first).to_be_visible()
    late_fee = page.locator(".risk-list .risk[data-code=late_fee_or_penalty]")
    expect(late_fee).to_have_count(1)
    expect(late_fee.locator(".quote")).to_contain_text("late fee of $75.00")
    tab.shot("analysis-tenant")

    with page.expect_download() as waiting:
        page.get_by_role("button", name="Add to calendar (.ics)").click()
    calendar = waiting.value
    assert calendar.suggested_filename == "deadlines.ics"
    path = calendar.path()
    assert path is not None
    ics = path.read_text()
    assert ics.startswith("BEGIN:VCALENDAR")
    assert "DTSTART;VALUE=DATE:20260228" in ics

    side.select_option("Landlord")
    expect(page.get_by_label("I am the")).to_have_value("Landlord")
    expect(page.locator(".facts")).to_contain_text("Landlord")
    expect(page.locator(".risk-list .risk[data-code=late_fee_or_penalty]")).to_have_count(0)
    page.reload()
    expect(page.get_by_label("I am the")).to_have_value("Landlord")
    tab.assert_clean()
