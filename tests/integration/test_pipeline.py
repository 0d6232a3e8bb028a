"""Upload to analysis through the real broker and real worker processes, one per queue."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.helpers import bearer, signed_in
from tests.pipeline import CONTRACT_TEXT, upload, wait_for_job
from tests.servers import Mailbox

pytestmark = pytest.mark.integration
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "docs"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("contract.txt", "text/plain"),
        ("Bonterms-Mutual-NDA-Version-1.pdf", "application/pdf"),
        (
            "common-paper-mutual-nda.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_each_format_goes_from_upload_to_analysis(
    stack_client: FlaskClient, mailbox: Mailbox, email: str, name: str, kind: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    data = CONTRACT_TEXT.encode() if name.endswith(".txt") else (FIXTURES / name).read_bytes()
    answer = upload(stack_client, tokens, name, data)
    assert answer.status_code == 202, answer.json
    document, job = answer.json["document"], answer.json["job"]
    assert answer.headers["Location"] == f"/api/v1/jobs/{job['id']}"
    assert document["content_type"] == kind
    assert document["status"] == "queued"

    finished = wait_for_job(stack_client, tokens, job["id"])
    assert finished["status"] == "succeeded", finished
    assert finished["progress"] == 100
    # A file with a text layer needs no OCR: that optional step is skipped.
    assert [(s["name"], s["status"]) for s in finished["steps"]] == [
        ("extract", "succeeded"),
        ("ocr", "skipped"),
        ("analyze", "succeeded"),
    ]

    doc = stack_client.get(f"/api/v1/documents/{document['id']}", headers=bearer(tokens)).json
    assert doc["status"] == "analyzed"
    assert doc["page_count"] >= 1
    analysis = stack_client.get(f"/api/v1/documents/{document['id']}/analysis", headers=bearer(tokens))
    assert analysis.status_code == 200
    assert analysis.json["document_id"] == document["id"]
    assert analysis.json["analyzer"] == "offline"
    assert analysis.json["clauses"], "a real contract has clauses"


def test_the_text_contract_is_analysed_with_verbatim_quotes(
    stack_client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    answer = upload(stack_client, tokens, "msa.txt", CONTRACT_TEXT.encode())
    wait_for_job(stack_client, tokens, answer.json["job"]["id"])
    analysis = stack_client.get(
        f"/api/v1/documents/{answer.json['document']['id']}/analysis", headers=bearer(tokens)
    ).json
    assert analysis["governing_law"] == "Delaware"
    assert analysis["effective_date"] == "2024-03-01"
    squashed = "".join(CONTRACT_TEXT.split())
    for clause in analysis["clauses"]:
        assert "".join(clause["text"].split()) in squashed
    types = {c["type"] for c in analysis["clauses"]}
    assert {"governing_law", "cap_on_liability", "termination_for_convenience", "renewal_term"} <= types
