"""The app with the keyboard alone: a sensible focus order, a visible focus ring, and a label on every field."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Stack, Tab
from tests.e2e.steps import expect_documents, new_email, sign_up_by_api
from tests.helpers import PASSWORD
from tests.servers import Mailbox

pytestmark = pytest.mark.e2e

_FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const ring = el.matches('input[type=file]') ? getComputedStyle(el.closest('.dropzone-wrap').querySelector('.dropzone')) : style;
  return { name: (el.getAttribute('aria-label') || el.labels?.[0]?.textContent || el.textContent || '').trim(),
           tag: el.tagName.toLowerCase(), outline: ring.outlineStyle, width: parseFloat(ring.outlineWidth) };
}"""

_UNLABELLED = """() => [...document.querySelectorAll('input, textarea, select')]
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML)"""


def press(tab: Tab, key: str = "Tab") -> dict[str, object]:
    """Press Tab (or Shift+Tab); answers what has focus now, after checking its focus ring is visible."""
    tab.page.keyboard.press(key)
    focused: dict[str, object] = tab.page.evaluate(_FOCUSED)
    assert focused["outline"] != "none", f"no visible focus on {focused}"
    assert float(str(focused["width"])) >= 2, f"focus ring too thin on {focused}"
    return focused


def names(tab: Tab, key: str, count: int) -> list[str]:
    return [str(press(tab, key)["name"]) for _ in range(count)]


def test_sign_in_and_upload_with_the_keyboard_alone(tab: Tab, stack: Stack, mailbox: Mailbox) -> None:
    page = tab.page
    email = new_email("keys")
    sign_up_by_api(stack, mailbox, email)
    tab.goto("/#/login")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.evaluate(_UNLABELLED) == []

    # Each screen puts focus on its heading: behind it the skip link and home, ahead of it the form.
    assert page.evaluate("document.activeElement.tagName") == "H1"
    assert names(tab, "Shift+Tab", 2) == ["Kraftd Docs, home", "Skip to content"]
    expect(page.get_by_role("link", name="Skip to content")).to_be_in_viewport()
    assert names(tab, "Tab", 6) == [
        "Kraftd Docs, home",
        "E-mail",
        "Password",
        "Sign in",
        "Forgot password?",
        "Create an account",
    ]
    names(tab, "Shift+Tab", 5)
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # the skip link: to the screen's heading, the route unchanged
    assert page.evaluate("[document.activeElement.tagName, document.activeElement.textContent]") == [
        "H1",
        "Sign in",
    ]
    assert page.url.endswith("/#/login")

    page.get_by_label("E-mail").focus()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect_documents(tab)
    assert page.evaluate(_UNLABELLED) == []
    assert page.evaluate("document.activeElement.tagName") == "H1"
    assert names(tab, "Shift+Tab", 3) == ["Sign out", "Security", "Documents"]
    page.get_by_role("heading", name="Your contracts").focus()
    assert press(tab)["name"] == "Choose a contract to upload"  # the file input inside the drop zone
    tab.assert_clean()
