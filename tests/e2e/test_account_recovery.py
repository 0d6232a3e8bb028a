"""Accounts people can recover, in the browser: a forgotten password reset from the e-mail, a password change,
and signing out everywhere."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import Stack, Tab, open_tab, reset_link
from tests.e2e.steps import expect_documents, new_email, sign_in, sign_up_by_api
from tests.helpers import PASSWORD
from tests.servers import Mailbox

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "Quiet-Lantern-Harbor-77"


def sign_in_with(tab: Tab, email: str, password: str) -> None:
    page = tab.page
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_forgotten_password_is_reset_from_the_emailed_link(
    tab: Tab, stack: Stack, mailbox: Mailbox
) -> None:
    page = tab.page
    email = new_email("forgot")
    sign_up_by_api(stack, mailbox, email)
    tab.goto("/#/login")
    page.get_by_role("link", name="Forgot password?").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    page.get_by_label("E-mail").fill(email)
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_text("If that address has an account")).to_be_visible()
    tab.shot("forgot-password")

    tab.goto(reset_link(mailbox, email))
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    assert "token=" not in page.url, "the token stays out of the address bar"
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_text("Your password is changed")).to_be_visible()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    sign_in_with(tab, email, NEW_PASSWORD)
    expect_documents(tab)
    tab.assert_clean()


def test_change_password_and_sign_out_everywhere(
    browser: Browser, tab: Tab, stack: Stack, mailbox: Mailbox
) -> None:
    page = tab.page
    email = new_email("sessions")
    sign_up_by_api(stack, mailbox, email)
    sign_in(tab, email)
    expect_documents(tab)
    other = open_tab(browser, stack, "test_change_password-other-device")
    try:
        other.goto("/#/login")
        sign_in_with(other, email, PASSWORD)
        expect_documents(other)

        tab.goto("/#/security")
        page.locator("summary", has_text="Change password").click()
        page.get_by_label("Current password").fill(PASSWORD)
        page.get_by_label("New password").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Change password").click()
        changed = page.get_by_role("region", name="Password").get_by_role("status")
        expect(changed).to_have_text("Password changed. Every other session is signed out.", timeout=30_000)
        tab.shot("password-changed")

        other.allow_failure(401, "/api/v1/auth/")
        other.page.get_by_role("link", name="Security").click()  # the other device's session has ended
        expect(other.page.get_by_text("Your session has ended. Sign in again.")).to_be_visible()
        expect(other.page.get_by_role("heading", name="Sign in")).to_be_visible()
        other.assert_clean()

        tab.goto("/#/")  # this tab kept its new session
        expect_documents(tab)
        tab.goto("/#/security")
        page.get_by_role("button", name="Sign out everywhere").click()
        expect(page.get_by_text("You are signed out on every device.")).to_be_visible()
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        sign_in_with(tab, email, NEW_PASSWORD)
        expect_documents(tab)
        tab.assert_clean()
    finally:
        other.context.close()
