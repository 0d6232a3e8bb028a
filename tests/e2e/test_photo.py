"""A phone photo of a contract page, chosen in the browser's file input: read by OCR, analysed, and shown with the
note that it was read from a scan."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Stack, Tab
from tests.e2e.steps import (
    expect_documents,
    new_email,
    sign_in,
    sign_up_by_api,
    upload_by_input,
    wait_for_analysis,
)
from tests.pipeline import phone_photo
from tests.servers import Mailbox

pytestmark = pytest.mark.e2e
OCR_TIMEOUT_MS = 240_000  # a page of OCR takes seconds, more on a loaded machine


def test_a_phone_photo_of_a_page_is_read_and_analysed(tab: Tab, stack: Stack, mailbox: Mailbox) -> None:
    page = tab.page
    email = new_email("photo")
    sign_up_by_api(stack, mailbox, email)
    sign_in(tab, email)
    expect_documents(tab)
    upload_by_input(tab, "IMG_2041.jpg", phone_photo(), "image/jpeg")
    wait_for_analysis(tab, timeout=OCR_TIMEOUT_MS)

    expect(page.get_by_role("heading", name="IMG_2041.jpg")).to_be_visible()
    expect(page.locator(".contract-type")).to_contain_text(
        "Read from a scan: check names and figures against the original."
    )
    facts = page.locator(".facts")
    expect(facts.locator(".party-name")).to_contain_text(["Acme Corporation", "Widget Labs LLC"])
    expect(facts.locator("dt:text-is('Governing law') + dd")).to_have_text("Delaware")
    tab.shot("analysis-photo")

    page.get_by_role("link", name="← All documents").click()
    expect_documents(tab)
    row = page.locator(".doc-row", has_text="IMG_2041.jpg")
    expect(row.locator(".doc-icon")).to_have_text("IMG")
    expect(row.locator(".chip")).to_have_text("Analyzed")
    tab.assert_clean()
