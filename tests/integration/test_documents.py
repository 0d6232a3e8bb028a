"""Documents and jobs as a user meets them: bad files, duplicates, paging, polling, cancelling, other users."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader, PdfWriter

from tests.conftest import fresh_client
from tests.helpers import bearer, signed_in
from tests.pipeline import CONTRACT_TEXT, upload, wait_for_job
from tests.servers import Mailbox
from web import create_app

pytestmark = pytest.mark.integration
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "docs"
NDA_PDF = FIXTURES / "Bonterms-Mutual-NDA-Version-1.pdf"


def _encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(NDA_PDF))
    writer.encrypt(user_password="secret-password", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as entry:
            zeros = b"\0" * (1024 * 1024)
            for _ in range(300):
                entry.write(zeros)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("corrupt.pdf", NDA_PDF.read_bytes()[: len(NDA_PDF.read_bytes()) // 3], "file_corrupt"),
        ("locked.pdf", _encrypted_pdf(), "pdf_encrypted"),
        ("bomb.docx", _zip_bomb(), "file_corrupt"),
        ("blank.pdf", b"%PDF-1.4\n" + b"\n" * 64 + b"%%EOF\n", "file_corrupt"),
        ("photo.docx", b"\x89PNG\r\n\x1a\n" + b"\0" * 500, "file_corrupt"),
    ],
)
def test_a_broken_file_is_accepted_and_its_job_fails_with_a_clear_code(
    stack_client: FlaskClient, mailbox: Mailbox, email: str, name: str, data: bytes, code: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    answer = upload(stack_client, tokens, name, data)
    assert answer.status_code == 202, answer.json
    job = wait_for_job(stack_client, tokens, answer.json["job"]["id"])
    assert job["status"] == "failed"
    assert job["error"]["code"] == code
    assert job["error"]["message"]
    doc = stack_client.get(f"/api/v1/documents/{answer.json['document']['id']}", headers=bearer(tokens)).json
    assert doc["status"] == "failed"
    not_ready = stack_client.get(f"/api/v1/documents/{doc['id']}/analysis", headers=bearer(tokens))
    assert not_ready.status_code == 409
    assert not_ready.json["error"]["code"] == "not_ready"

    # The worker keeps serving the next upload.
    good = upload(stack_client, tokens, "next.txt", CONTRACT_TEXT.encode())
    assert wait_for_job(stack_client, tokens, good.json["job"]["id"])["status"] == "succeeded"


@pytest.mark.parametrize(
    ("name", "data", "status", "code"),
    [
        ("empty.pdf", b"", 400, "empty_file"),
        ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(range(256)) * 40, 415, "unsupported_type"),
        ("anim.gif", b"GIF89a" + b"\0" * 500, 415, "unsupported_type"),
    ],
)
def test_a_file_that_is_not_a_contract_is_refused_at_once(
    stack_client: FlaskClient, mailbox: Mailbox, email: str, name: str, data: bytes, status: int, code: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    answer = upload(stack_client, tokens, name, data)
    assert answer.status_code == status
    assert answer.json["error"]["code"] == code
    assert stack_client.get("/api/v1/documents", headers=bearer(tokens)).json["items"] == []


def test_an_upload_without_a_file_field_is_refused(
    stack_client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    answer = stack_client.post("/api/v1/documents", headers=bearer(tokens), data={"other": "x"})
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "no_file"


def test_a_file_over_max_upload_mb_answers_413(
    stack_config: dict[str, Any], workers: Any, mailbox: Mailbox, email: str
) -> None:
    client = fresh_client(create_app({**stack_config, "max_upload_mb": 2}))
    tokens = signed_in(client, mailbox, email)
    answer = upload(client, tokens, "big.txt", b"a contract line\n" * (3 * 1024 * 1024 // 16))
    assert answer.status_code == 413
    assert answer.json["error"]["code"] == "file_too_large"
    assert client.get("/api/v1/documents", headers=bearer(tokens)).json["items"] == []


def test_the_same_file_again_reuses_the_finished_analysis(
    stack_client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    first = upload(stack_client, tokens, "msa.txt", CONTRACT_TEXT.encode())
    assert wait_for_job(stack_client, tokens, first.json["job"]["id"])["status"] == "succeeded"

    second = upload(stack_client, tokens, "msa-copy.txt", CONTRACT_TEXT.encode())
    assert second.status_code == 202
    assert second.json["document"]["id"] != first.json["document"]["id"]
    job = wait_for_job(stack_client, tokens, second.json["job"]["id"])
    assert job["status"] == "succeeded"
    assert {s["status"] for s in job["steps"]} == {"skipped"}, "no second extraction, OCR or analysis"
    a = stack_client.get(
        f"/api/v1/documents/{first.json['document']['id']}/analysis", headers=bearer(tokens)
    ).json
    b = stack_client.get(
        f"/api/v1/documents/{second.json['document']['id']}/analysis", headers=bearer(tokens)
    ).json
    assert b["document_id"] == second.json["document"]["id"]
    assert {**a, "document_id": ""} == {**b, "document_id": ""}


def test_another_user_with_the_same_file_gets_an_analysis_of_their_own(
    stack_client: FlaskClient, stack_app: Flask, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    first = upload(stack_client, tokens, "msa.txt", CONTRACT_TEXT.encode())
    wait_for_job(stack_client, tokens, first.json["job"]["id"])
    other_client = fresh_client(stack_app)
    other = signed_in(other_client, mailbox, "other-" + email)
    theirs = upload(other_client, other, "msa.txt", CONTRACT_TEXT.encode())
    job = wait_for_job(other_client, other, theirs.json["job"]["id"])
    assert [s["status"] for s in job["steps"]] == ["succeeded", "skipped", "succeeded"]  # no OCR needed


def test_every_document_and_job_route_answers_404_to_another_user(
    stack_client: FlaskClient, stack_app: Flask, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    answer = upload(stack_client, tokens, "msa.txt", CONTRACT_TEXT.encode())
    doc_id, job_id = answer.json["document"]["id"], answer.json["job"]["id"]
    wait_for_job(stack_client, tokens, job_id)

    intruder_client = fresh_client(stack_app)
    intruder = signed_in(intruder_client, mailbox, "intruder-" + email)
    h = bearer(intruder)
    for method, path in [
        ("get", f"/api/v1/documents/{doc_id}"),
        ("get", f"/api/v1/documents/{doc_id}/analysis"),
        ("delete", f"/api/v1/documents/{doc_id}"),
        ("get", f"/api/v1/jobs/{job_id}"),
        ("post", f"/api/v1/jobs/{job_id}/cancel"),
    ]:
        found = getattr(intruder_client, method)(path, headers=h)
        missing = getattr(intruder_client, method)(
            path.replace(doc_id, "0" * 32).replace(job_id, "0" * 32), headers=h
        )
        assert found.status_code == 404, (method, path)
        assert found.json == missing.json, "someone else's looks exactly like a missing one"
    assert intruder_client.get("/api/v1/documents", headers=h).json["items"] == []
    assert intruder_client.get("/api/v1/jobs", headers=h).json["items"] == []
    # and the owner still has it
    assert stack_client.get(f"/api/v1/documents/{doc_id}", headers=bearer(tokens)).status_code == 200


def test_documents_are_listed_newest_first_a_page_at_a_time(
    stack_client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    ids = [
        upload(stack_client, tokens, f"c{i}.txt", f"{CONTRACT_TEXT}\n{i}".encode()).json["document"]["id"]
        for i in range(5)
    ]
    seen: list[str] = []
    cursor = ""
    while True:
        page = stack_client.get(f"/api/v1/documents?limit=2&cursor={cursor}", headers=bearer(tokens)).json
        assert len(page["items"]) <= 2
        seen += [d["id"] for d in page["items"]]
        if not page["next_cursor"]:
            break
        cursor = page["next_cursor"]
    assert seen == list(reversed(ids))
    bad = stack_client.get("/api/v1/documents?limit=500", headers=bearer(tokens))
    assert bad.status_code == 400
    assert stack_client.get("/api/v1/documents?cursor=nonsense!", headers=bearer(tokens)).status_code == 400


def test_polling_a_job_answers_304_while_nothing_changed(
    stack_client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    answer = upload(stack_client, tokens, "msa.txt", CONTRACT_TEXT.encode())
    job_id = answer.json["job"]["id"]
    wait_for_job(stack_client, tokens, job_id)
    first = stack_client.get(f"/api/v1/jobs/{job_id}", headers=bearer(tokens))
    etag = first.headers["ETag"]
    again = stack_client.get(f"/api/v1/jobs/{job_id}", headers={**bearer(tokens), "If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    stale = stack_client.get(f"/api/v1/jobs/{job_id}", headers={**bearer(tokens), "If-None-Match": '"old"'})
    assert stale.status_code == 200


def test_a_queued_job_can_be_canceled_and_a_finished_one_cannot(
    stack_client: FlaskClient, stack_app: Flask, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    done = upload(stack_client, tokens, "msa.txt", CONTRACT_TEXT.encode()).json
    wait_for_job(stack_client, tokens, done["job"]["id"])
    refused = stack_client.post(f"/api/v1/jobs/{done['job']['id']}/cancel", headers=bearer(tokens))
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "already_finished"

    big = upload(stack_client, tokens, "big.txt", (CONTRACT_TEXT * 3000).encode()).json
    canceled = stack_client.post(f"/api/v1/jobs/{big['job']['id']}/cancel", headers=bearer(tokens))
    assert canceled.status_code == 202
    assert canceled.json["job"]["status"] == "canceled"
    final = wait_for_job(stack_client, tokens, big["job"]["id"])
    assert final["status"] == "canceled", "a worker that was already running must not overwrite the cancel"
    doc = stack_client.get(f"/api/v1/documents/{big['document']['id']}", headers=bearer(tokens)).json
    assert doc["status"] == "failed"


def test_jobs_can_be_filtered_by_status_and_kind(
    stack_client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    answer = upload(stack_client, tokens, "msa.txt", CONTRACT_TEXT.encode()).json
    wait_for_job(stack_client, tokens, answer["job"]["id"])
    ok = stack_client.get("/api/v1/jobs?status=succeeded&kind=analysis", headers=bearer(tokens)).json["items"]
    assert [j["id"] for j in ok] == [answer["job"]["id"]]
    assert stack_client.get("/api/v1/jobs?status=failed", headers=bearer(tokens)).json["items"] == []
    assert stack_client.get("/api/v1/jobs?status=bogus", headers=bearer(tokens)).status_code == 400


def test_deleting_a_document_removes_its_jobs_and_files(
    stack_client: FlaskClient, stack_app: Flask, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    answer = upload(stack_client, tokens, "msa.txt", CONTRACT_TEXT.encode()).json
    wait_for_job(stack_client, tokens, answer["job"]["id"])
    doc = stack_app.extensions["kraftd"].store.get_document(email, answer["document"]["id"])
    blobs = stack_app.extensions["kraftd"].blobs
    assert blobs.exists(doc.blob_name)

    assert stack_client.delete(f"/api/v1/documents/{doc.id}", headers=bearer(tokens)).status_code == 204
    assert stack_client.get(f"/api/v1/documents/{doc.id}", headers=bearer(tokens)).status_code == 404
    assert stack_client.get(f"/api/v1/jobs/{answer['job']['id']}", headers=bearer(tokens)).status_code == 404
    assert not blobs.exists(doc.blob_name)
