"""Query strings are read into typed values at the edge: what does not fit answers our 400, never a 500."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.helpers import bearer, signed_in
from tests.servers import Mailbox

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("limit", ["²", "①", "١٢", "0", "101", "-1", "ten", "2.5"])
def test_a_limit_that_is_not_a_whole_number_from_1_to_100_answers_400(
    client: FlaskClient, mailbox: Mailbox, email: str, limit: str
) -> None:
    tokens = signed_in(client, mailbox, email)
    answer = client.get("/api/v1/documents", query_string={"limit": limit}, headers=bearer(tokens))
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "invalid_request"
    assert "limit" in answer.json["error"]["message"]


def test_the_list_defaults_to_the_first_page(client: FlaskClient, mailbox: Mailbox, email: str) -> None:
    tokens = signed_in(client, mailbox, email)
    answer = client.get("/api/v1/documents?cursor=", headers=bearer(tokens))
    assert answer.status_code == 200
    assert answer.json == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("query", ["status=done", "kind=summary", "status="])
def test_a_job_filter_outside_its_values_answers_400(
    client: FlaskClient, mailbox: Mailbox, email: str, query: str
) -> None:
    tokens = signed_in(client, mailbox, email)
    answer = client.get(f"/api/v1/jobs?{query}", headers=bearer(tokens))
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "invalid_request"
