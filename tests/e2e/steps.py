"""Steps of the browser tests, as a person takes them: sign up, sign in, upload, review, export, sign out."""

from __future__ import annotations

import io
import itertools
import time
import zipfile

from playwright.sync_api import expect

from tests.e2e.conftest import Stack, Tab, verification_link
from tests.helpers import PASSWORD
from tests.servers import Mailbox

XSS = "<img src=x onerror=alert(1)>"
_people = itertools.count(1)


def new_email(label: str) -> str:
    return f"{label}-{next(_people)}-{int(time.time() * 1000) % 10**8}@example.com"


def sign_up_in_browser(tab: Tab, mailbox: Mailbox, email: str) -> None:
    """Register through the form, follow the e-mailed link; ends on the sign-in screen."""
    page = tab.page
    tab.goto("/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    tab.shot("sign-in")
    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    tab.shot("register")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    expect(page.get_by_text(email)).to_be_visible()
    tab.shot("check-email")
    tab.goto(verification_link(mailbox, email))
    expect(page.get_by_text("Your e-mail address is confirmed")).to_be_visible()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert "token=" not in page.url, "the spent token stays out of the address bar"
    tab.shot("verified")


def sign_up_by_api(stack: Stack, mailbox: Mailbox, email: str) -> None:
    status, _ = stack.call("POST", "/api/v1/auth/register", {"email": email, "password": PASSWORD})
    assert status == 201
    token = verification_link(mailbox, email).split("token=", 1)[1]
    assert stack.call("POST", "/api/v1/auth/verify-email", {"token": token})[0] == 200


def sign_in(tab: Tab, email: str) -> None:
    """Fill the sign-in form (from wherever the tab is, going to it first when needed)."""
    page = tab.page
    if not page.get_by_role("heading", name="Sign in").is_visible():
        tab.goto("/#/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def expect_documents(tab: Tab) -> None:
    expect(tab.page.get_by_role("heading", name="Your contracts")).to_be_visible()


def upload_by_input(tab: Tab, name: str, content: str | bytes, mime_type: str = "text/plain") -> None:
    """Choose a file in the upload box's file input: text (sent as UTF-8) or the bytes of any file."""
    data = content.encode() if isinstance(content, str) else content
    tab.page.locator("#upload-input").set_input_files(
        files=[{"name": name, "mimeType": mime_type, "buffer": data}]
    )


def upload_by_drop(tab: Tab, name: str, text: str) -> None:
    """Drag and drop, as the browser delivers it: a DataTransfer holding the file, dropped on the zone."""
    transfer = tab.page.evaluate_handle(
        "([name, text]) => { const t = new DataTransfer(); "
        "t.items.add(new File([text], name, { type: 'text/plain' })); return t; }",
        [name, text],
    )
    zone = tab.page.locator("label.dropzone")
    zone.dispatch_event("dragover", {"dataTransfer": transfer})
    expect(zone).to_have_class("dropzone is-over")
    zone.dispatch_event("drop", {"dataTransfer": transfer})


def wait_for_analysis(tab: Tab, timeout: float = 60_000) -> None:
    expect(tab.page.get_by_role("heading", name="Summary")).to_be_visible(timeout=timeout)
    expect(tab.page.locator(".chip-slot")).to_have_text("Analyzed")


def document_id(tab: Tab) -> str:
    return tab.page.url.rsplit("/documents/", 1)[1]


def check_analysis(tab: Tab) -> None:
    page = tab.page
    facts = page.locator(".facts")
    expect(facts).to_contain_text("Acme Corporation")
    expect(facts).to_contain_text("Widget Labs LLC")
    expect(facts).to_contain_text("Mar 1, 2024")
    expect(facts).to_contain_text("Delaware")
    expect(facts).to_contain_text("at least ninety (90) days")
    clause = page.locator(".clause", has_text="Termination for convenience").first
    expect(clause.locator(".quote")).to_contain_text(
        "Customer may terminate this Agreement for convenience upon thirty (30) days' written notice."
    )
    expect(clause).to_have_class("clause risk-medium")
    # A services agreement between two companies, read with no side chosen: every risk found, for either side.
    expect(page.locator(".risk-list .risk")).to_have_count(4)
    expect(page.locator(".risk-list .risk[data-code=auto_renewal] .quote")).to_contain_text(
        "automatically renew"
    )
    expect(page.locator(".rec")).to_have_count(4)


def give_feedback(tab: Tab) -> None:
    """Accept the first recommendation with a comment; reject the second, then rewrite it."""
    page = tab.page
    first, second = page.locator(".rec").nth(0), page.locator(".rec").nth(1)
    first.get_by_label("Comment (optional)").fill("Agreed: diarise it for November.")
    first.get_by_role("button", name="Accept").click()
    expect(first.locator(".rec-state")).to_contain_text("Accepted")
    expect(first.get_by_role("button", name="Accept")).to_have_attribute("aria-pressed", "true")
    second.get_by_role("button", name="Reject").click()
    expect(second.locator(".rec-state")).to_contain_text("Rejected")
    second.get_by_role("button", name="Edit").click()
    second.get_by_label("Your wording").fill("Ask for a mutual right to terminate on 90 days' notice.")
    second.get_by_label("Comment (optional)").fill("Softer ask.")
    second.get_by_role("button", name="Save my wording").click()
    expect(second.locator(".rec-state")).to_contain_text("Edited")
    expect(second.locator(".rec-text")).to_have_text(
        "Ask for a mutual right to terminate on 90 days' notice."
    )
    tab.shot("feedback")


def check_feedback_kept(tab: Tab) -> None:
    page = tab.page
    first, second = page.locator(".rec").nth(0), page.locator(".rec").nth(1)
    expect(first.locator(".rec-state")).to_contain_text("Accepted")
    expect(first.locator(".rec-state")).to_contain_text("Agreed: diarise it for November.")
    expect(second.locator(".rec-state")).to_contain_text("Edited")
    expect(second.locator(".rec-text")).to_have_text(
        "Ask for a mutual right to terminate on 90 days' notice."
    )


def export_and_download(tab: Tab, filename: str) -> None:
    page = tab.page
    page.get_by_label("Include the original file").check()
    page.get_by_role("button", name="Create ZIP export").click()
    download_button = page.get_by_role("button", name="Download ZIP")
    expect(download_button).to_be_visible(timeout=60_000)
    tab.shot("export-ready")
    with page.expect_download() as waiting:
        download_button.click()
    download = waiting.value
    assert download.suggested_filename.endswith(".zip")
    path = download.path()
    assert path is not None
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
        names = set(archive.namelist())
        assert {"report.html", "report.md", "analysis.json", "recommendations.csv", "manifest.json"} <= names
        assert f"original/{filename}" in names
        feedback = archive.read("recommendations.csv").decode()
        assert "Ask for a mutual right to terminate on 90 days' notice." in feedback
    expect(page.locator(".download [role=status]")).to_contain_text(".zip")


def feedback_and_exports_exist(stack: Stack) -> bool:
    """The lead adds these routes alongside this UI; without them the feedback/export part cannot run."""
    status, _ = stack.call("PUT", "/api/v1/documents/x/recommendations/y/feedback", {"verdict": "accepted"})
    exports, _ = stack.call("POST", "/api/v1/documents/x/exports", {})
    return status not in (404, 405) and exports not in (404, 405)


def sign_out(tab: Tab) -> None:
    tab.page.get_by_role("button", name="Sign out", exact=True).click()
    expect(tab.page.get_by_text("You are signed out.")).to_be_visible()
    expect(tab.page.get_by_role("heading", name="Sign in")).to_be_visible()


def check_tokens_dead_after_sign_out(tab: Tab, stack: Stack, refresh_token: str) -> None:
    """The access token the app held and the refresh cookie's token answer 401 token_revoked from now on."""
    assert tab.bearer_tokens, "the app sent no bearer token"
    status, body = stack.call("GET", "/api/v1/auth/me", token=tab.bearer_tokens[-1])
    assert (status, body["error"]["code"]) == (401, "token_revoked")
    status, body = stack.call("POST", "/api/v1/auth/refresh", token=refresh_token)
    assert (status, body["error"]["code"]) == (401, "token_revoked")
    assert tab.cookie("kraftd_refresh") is None, "sign-out removes the refresh cookie"


def check_refresh_cookie(tab: Tab) -> str:
    """The refresh token is a Secure, HttpOnly, SameSite=Strict cookie for /api/v1/auth; no script sees it."""
    cookie = tab.cookie("kraftd_refresh")
    assert cookie is not None
    assert cookie["httpOnly"] is True
    assert cookie["secure"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/api/v1/auth"
    assert "kraftd_refresh" not in tab.page.evaluate("document.cookie")
    return str(cookie["value"])
