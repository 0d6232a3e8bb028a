"""Feedback on recommendations and the ZIP export, through the real worker processes."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import signal
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader, PdfWriter

from common.models import utcnow
from tests.conftest import fresh_client
from tests.helpers import bearer, signed_in
from tests.pipeline import CONTRACT_TEXT, upload, wait_for_job
from tests.processes import Workers
from tests.servers import Mailbox
from worker.housekeeping import expire_exports

pytestmark = pytest.mark.integration
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "docs"

# What a browser can send: it percent-encodes quotes and line breaks in multipart file names itself.
HOSTILE_NAME = "evil <img src=x onerror=alert(2)> & co's.txt"
HOSTILE_TEXT = CONTRACT_TEXT.replace(
    "aggregate liability exceed the fees paid",
    "aggregate liability exceed the fees <img src=x onerror=alert(1)> paid",
)


def analysed(
    client: FlaskClient, tokens: dict[str, Any], name: str = "msa.txt", text: str = CONTRACT_TEXT
) -> str:
    answer = upload(client, tokens, name, text.encode())
    assert answer.status_code == 202, answer.json
    assert wait_for_job(client, tokens, answer.json["job"]["id"])["status"] == "succeeded"
    doc_id: str = answer.json["document"]["id"]
    return doc_id


def export(
    client: FlaskClient, tokens: dict[str, Any], doc_id: str, include_original: bool = True
) -> dict[str, Any]:
    answer = client.post(
        f"/api/v1/documents/{doc_id}/exports",
        headers=bearer(tokens),
        json={"include_original": include_original},
    )
    assert answer.status_code == 202, answer.json
    assert answer.headers["Location"] == f"/api/v1/jobs/{answer.json['job']['id']}"
    job: dict[str, Any] = answer.json["job"]
    return job


def download(client: FlaskClient, tokens: dict[str, Any], job_id: str) -> zipfile.ZipFile:
    answer = client.get(f"/api/v1/jobs/{job_id}/download", headers=bearer(tokens))
    assert answer.status_code == 200, answer.json
    assert answer.mimetype == "application/zip"
    return zipfile.ZipFile(io.BytesIO(answer.data))


def test_feedback_is_recorded_and_the_latest_verdict_wins(
    stack_client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    doc_id = analysed(stack_client, tokens)
    recs = stack_client.get(f"/api/v1/documents/{doc_id}/analysis", headers=bearer(tokens)).json[
        "recommendations"
    ]
    assert recs, "the contract has recommendations"
    path = f"/api/v1/documents/{doc_id}/recommendations/{recs[0]['id']}/feedback"

    first = stack_client.put(path, headers=bearer(tokens), json={"verdict": "rejected", "comment": "no"})
    assert first.status_code == 200
    second = stack_client.put(
        path,
        headers=bearer(tokens),
        json={"verdict": "edited", "comment": "better", "edited_text": "Cap at 2x fees."},
    )
    assert second.json["recommendation"]["feedback"]["verdict"] == "edited"
    analysis = stack_client.get(f"/api/v1/documents/{doc_id}/analysis", headers=bearer(tokens)).json
    feedback = analysis["recommendations"][0]["feedback"]
    assert feedback["verdict"] == "edited"
    assert feedback["edited_text"] == "Cap at 2x fees."
    assert feedback["at"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"verdict": "maybe"}, 400),
        ({"verdict": "edited"}, 400),
        ({"comment": "no verdict"}, 400),
    ],
)
def test_feedback_that_makes_no_sense_is_refused(
    stack_client: FlaskClient, mailbox: Mailbox, email: str, body: dict[str, Any], status: int
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    doc_id = analysed(stack_client, tokens)
    rec = stack_client.get(f"/api/v1/documents/{doc_id}/analysis", headers=bearer(tokens)).json[
        "recommendations"
    ][0]
    answer = stack_client.put(
        f"/api/v1/documents/{doc_id}/recommendations/{rec['id']}/feedback", headers=bearer(tokens), json=body
    )
    assert answer.status_code == status
    unknown = stack_client.put(
        f"/api/v1/documents/{doc_id}/recommendations/rec-999/feedback",
        headers=bearer(tokens),
        json={"verdict": "accepted"},
    )
    assert unknown.status_code == 404


def test_the_export_zip_holds_exactly_what_the_contract_lists(
    stack_client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    doc_id = analysed(stack_client, tokens, name=HOSTILE_NAME, text=HOSTILE_TEXT)
    recs = stack_client.get(f"/api/v1/documents/{doc_id}/analysis", headers=bearer(tokens)).json[
        "recommendations"
    ]
    tricky = 'Fine, but: "cap", please,\nnext line; =SUM(A1)'
    stack_client.put(
        f"/api/v1/documents/{doc_id}/recommendations/{recs[0]['id']}/feedback",
        headers=bearer(tokens),
        json={"verdict": "accepted", "comment": tricky},
    )
    job = export(stack_client, tokens, doc_id)
    finished = wait_for_job(stack_client, tokens, job["id"])
    assert finished["status"] == "succeeded", finished
    assert finished["download_url"] == f"/api/v1/jobs/{job['id']}/download"

    answer = stack_client.get(finished["download_url"], headers=bearer(tokens))
    disposition = answer.headers["Content-Disposition"]
    name = re.fullmatch(r'attachment; filename="([^"]+)"', disposition)
    assert name, disposition
    assert re.fullmatch(r"[A-Za-z0-9._-]+", name.group(1)), "no quotes, slashes, control or markup characters"

    archive = zipfile.ZipFile(io.BytesIO(answer.data))
    names = set(archive.namelist())
    original = [n for n in names if n.startswith("original/")]
    assert names == {
        "report.html",
        "report.md",
        "analysis.json",
        "recommendations.csv",
        "deadlines.ics",
        "manifest.json",
        *original,
    }
    assert len(original) == 1
    assert ".." not in original[0]
    assert original[0].count("/") == 1
    assert archive.read(original[0]) == HOSTILE_TEXT.encode()

    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["document"]["id"] == doc_id
    assert manifest["job"]["id"] == job["id"]
    assert manifest["generated_at"]
    listed = {f["name"]: f for f in manifest["files"]}
    assert set(listed) == names - {"manifest.json"}
    for file_name, entry in listed.items():
        data = archive.read(file_name)
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()

    rows = list(csv.DictReader(io.StringIO(archive.read("recommendations.csv").decode())))
    assert [r["id"] for r in rows] == [r["id"] for r in recs]
    assert {"id", "text", "rationale", "clause_type", "verdict", "comment", "edited_text"} <= set(rows[0])
    assert rows[0]["verdict"] == "accepted"
    assert rows[0]["comment"] == tricky

    html = archive.read("report.html").decode()
    title = re.search(r"<title>(.*)</title>", html)
    assert title, html[:500]
    assert "evil &lt;img src=x onerror=alert(2)&gt; &amp; co&#39;s.txt" in title.group(1), "shown, escaped"
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html, "the hostile clause text is shown, escaped"
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", html), "no network references"
    assert "Summary" in html
    assert "Recommendations" in html

    analysis = json.loads(archive.read("analysis.json"))
    assert analysis["document_id"] == doc_id
    assert "Summary" in archive.read("report.md").decode()


def test_an_export_without_the_original_leaves_it_out(
    stack_client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    doc_id = analysed(stack_client, tokens)
    job = export(stack_client, tokens, doc_id, include_original=False)
    wait_for_job(stack_client, tokens, job["id"])
    assert not [n for n in download(stack_client, tokens, job["id"]).namelist() if n.startswith("original/")]


def test_another_user_gets_404_and_a_download_before_it_is_ready_gets_409(
    stack_client: FlaskClient, stack_app: Flask, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    doc_id = analysed(stack_client, tokens)
    job = export(stack_client, tokens, doc_id)
    early = stack_client.get(f"/api/v1/jobs/{job['id']}/download", headers=bearer(tokens))
    if early.status_code != 200:  # the worker may already have finished a small export
        assert early.status_code == 409
        assert early.json["error"]["code"] == "not_ready"
    wait_for_job(stack_client, tokens, job["id"])

    other = fresh_client(stack_app)
    intruder = signed_in(other, mailbox, "intruder-" + email)
    for method, path in [
        ("get", f"/api/v1/jobs/{job['id']}/download"),
        ("post", f"/api/v1/documents/{doc_id}/exports"),
        ("put", f"/api/v1/documents/{doc_id}/recommendations/rec-1/feedback"),
    ]:
        answer = getattr(other, method)(path, headers=bearer(intruder), json={"verdict": "accepted"})
        assert answer.status_code == 404, (method, path)


def test_an_analysis_job_has_nothing_to_download_and_an_unanalysed_document_cannot_be_exported(
    stack_client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    answer = upload(stack_client, tokens, "broken.pdf", b"%PDF-1.4\n" + b"garbage " * 50)
    wait_for_job(stack_client, tokens, answer.json["job"]["id"])
    assert (
        stack_client.get(
            f"/api/v1/jobs/{answer.json['job']['id']}/download", headers=bearer(tokens)
        ).status_code
        == 404
    )
    refused = stack_client.post(
        f"/api/v1/documents/{answer.json['document']['id']}/exports", headers=bearer(tokens), json={}
    )
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "not_ready"


def test_an_expired_export_is_deleted_and_answers_410(
    stack_client: FlaskClient, stack_app: Flask, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    doc_id = analysed(stack_client, tokens)
    job = export(stack_client, tokens, doc_id)
    wait_for_job(stack_client, tokens, job["id"])
    svc = stack_app.extensions["kraftd"]
    record = svc.store.get_job(email, job["id"])
    blob = record.result_blob
    assert blob
    assert svc.blobs.exists(blob)
    record.expires_at = utcnow()
    svc.store.update_job(record)

    assert expire_exports(svc.store, svc.blobs) >= 1
    assert not svc.blobs.exists(blob)
    gone = stack_client.get(f"/api/v1/jobs/{job['id']}/download", headers=bearer(tokens))
    assert gone.status_code == 410
    assert gone.json["error"]["code"] == "expired"


def test_a_worker_killed_during_an_export_still_yields_exactly_one_good_zip(
    stack_client: FlaskClient, stack_app: Flask, workers: Workers, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    # A quick contract with a heavy original: its export copies and hashes 20 MB several times, which gives a
    # window to kill the worker in (the rest of an export takes milliseconds).
    answer = upload(stack_client, tokens, "heavy.pdf", _pdf_with_attachment(20 * 1024 * 1024))
    assert wait_for_job(stack_client, tokens, answer.json["job"]["id"])["status"] == "succeeded"
    doc_id = answer.json["document"]["id"]
    job = export(stack_client, tokens, doc_id)
    deadline = time.monotonic() + 60
    killed = False
    while time.monotonic() < deadline and not killed:
        state = stack_client.get(f"/api/v1/jobs/{job['id']}", headers=bearer(tokens)).json
        if state["steps"][0]["status"] == "running":
            for pid in workers.by_queue["export"].children():
                os.kill(pid, signal.SIGKILL)
            killed = True
        assert state["status"] != "succeeded", "the export finished before the worker could be killed"
        time.sleep(0.02)
    assert killed
    finished = wait_for_job(stack_client, tokens, job["id"], timeout=120)
    assert finished["status"] == "succeeded"
    assert finished["steps"][0]["attempts"] == 2
    archive = download(stack_client, tokens, job["id"])
    assert archive.testzip() is None
    svc = stack_app.extensions["kraftd"]
    exports = [n for n in _blob_names(svc, email, doc_id) if "/exports/" in n]
    assert len(exports) == 1


def _pdf_with_attachment(size: int) -> bytes:
    """The NDA fixture with `size` random bytes attached: extracts as fast as the NDA, weighs `size` more."""
    writer = PdfWriter(clone_from=PdfReader(FIXTURES / "Bonterms-Mutual-NDA-Version-1.pdf"))
    writer.add_attachment("padding.bin", os.urandom(size))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _blob_names(svc: Any, owner: str, doc_id: str) -> list[str]:
    from common.blobs import blob_name

    root = svc.blobs.root / blob_name(owner, "documents", doc_id)
    return [
        str(p.relative_to(svc.blobs.root))
        for p in root.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    ]
