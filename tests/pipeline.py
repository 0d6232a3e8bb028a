"""Uploading and polling, as the browser does, for the pipeline tests; the contracts they upload."""

from __future__ import annotations

import io
import time
from typing import Any

from flask.testing import FlaskClient

from bench.rendering import Scan, render, wrap
from tests.helpers import bearer

FINISHED = {"succeeded", "failed", "canceled"}


def upload(client: FlaskClient, tokens: dict[str, Any], name: str, data: bytes) -> Any:
    return client.post(
        "/api/v1/documents",
        headers=bearer(tokens),
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def wait_for_job(
    client: FlaskClient, tokens: dict[str, Any], job_id: str, timeout: float = 60.0
) -> dict[str, Any]:
    """Poll the job until it finishes; answers its last state."""
    deadline = time.monotonic() + timeout
    job: dict[str, Any] = {}
    while time.monotonic() < deadline:
        answer = client.get(f"/api/v1/jobs/{job_id}", headers=bearer(tokens))
        assert answer.status_code == 200, answer.json
        job = answer.json
        if job["status"] in FINISHED:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish in {timeout}s: {job}")


CONTRACT_TEXT = """MASTER SERVICES AGREEMENT

This Master Services Agreement (the "Agreement") is entered into as of March 1, 2024 (the "Effective Date")
by and between Acme Corporation, a Delaware corporation ("Customer"), and Widget Labs LLC, a California
limited liability company ("Provider").

1. TERM. The initial term of this Agreement is two (2) years from the Effective Date. Thereafter this Agreement
shall automatically renew for successive one (1) year periods unless either party gives written notice of
non-renewal at least ninety (90) days before the end of the then-current term.

2. TERMINATION. Customer may terminate this Agreement for convenience upon thirty (30) days' written notice.
Either party may terminate this Agreement if the other party materially breaches it and fails to cure the breach
within thirty (30) days.

3. LIMITATION OF LIABILITY. In no event shall either party's aggregate liability exceed the fees paid under this
Agreement in the twelve (12) months preceding the claim. Neither party shall be liable for any indirect,
incidental or consequential damages.

4. CONFIDENTIALITY. Each party shall keep the other party's Confidential Information in confidence and shall not
disclose it to any third party.

5. GOVERNING LAW. This Agreement shall be governed by and construed in accordance with the laws of the State of
Delaware.
"""

# A residential lease as a tenant gets it: named people, rent, deposit, a late fee, fixed dates.
LEASE_TEXT = """RESIDENTIAL LEASE AGREEMENT

This Residential Lease Agreement is made on February 10, 2025 between Harbor Homes LLC ("Landlord") and
Maria Lopez ("Tenant").

1. TERM. The lease term begins on March 1, 2025 and ends on February 28, 2026.

2. RENT. Tenant shall pay rent of $1,450.00 per month, due on the first day of each month.

3. LATE FEE. If rent is not received by the fifth day of the month, Tenant shall pay a late fee of $75.00.

4. SECURITY DEPOSIT. Tenant shall pay a security deposit of $2,900.00 before moving in. Landlord may deduct
from the security deposit any unpaid rent and the cost of repairing damage beyond normal wear and tear.

5. ENTRY. Landlord may enter the premises to inspect or repair them upon 24 hours' notice to Tenant.

6. GOVERNING LAW. This Lease shall be governed by the laws of the State of Oregon.

Landlord: Harbor Homes LLC
Tenant: Maria Lopez
"""


def phone_photo() -> bytes:
    """The first page of CONTRACT_TEXT photographed by a phone: 200 dpi, a little askew, noisy, JPEG."""
    page = render(wrap(CONTRACT_TEXT, 200)[0], Scan(dpi=200, skew_degrees=2.0, noise=0.1, blur=0.6, seed=1))
    out = io.BytesIO()
    page.convert("RGB").save(out, format="JPEG", quality=80)
    return out.getvalue()
