"""With an OpenAI key set and nothing else changed, the real workers analyse through the LLM.

The workers' OpenAI client talks HTTP to a local OpenAI-compatible server (OPENAI_BASE_URL); the stack has a
Redis of its own so the session's offline workers never take its tasks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import WORKER_SETTINGS, fresh_client
from tests.helpers import bearer, signed_in
from tests.openai_server import OpenAIServer, completion, openai_server
from tests.pipeline import CONTRACT_TEXT, upload, wait_for_job
from tests.processes import RedisServer, Workers, stack_env
from tests.servers import Mailbox, free_port
from web import create_app

pytestmark = pytest.mark.integration

CAP = "In no event shall either party's aggregate liability exceed the fees paid under this"
INVENTED = "The Provider may raise prices at any time without notice."


def _answer() -> dict[str, Any]:
    def clause(type_: str, text: str, risk: str) -> dict[str, str]:
        return {
            "type": type_,
            "title": type_.replace("_", " "),
            "text": text,
            "risk": risk,
            "explanation": "why",
        }

    return {
        "summary": "A two-year services agreement between Acme and Widget Labs, governed by Delaware law.",
        "contract_type": "services",
        "parties": [
            {"name": "Acme Corporation", "role": "Customer", "kind": "organization"},
            {"name": "Widget Labs LLC", "role": "Provider", "kind": "organization"},
        ],
        "perspective": "Customer",
        "effective_date": "2024-03-01",
        "term": {"initial": "two (2) years", "renewal": "one (1) year", "notice_period": "ninety (90) days"},
        "governing_law": "Delaware",
        "clauses": [clause("cap_on_liability", CAP, "low"), clause("payment_terms", INVENTED, "high")],
        "risks": [
            {
                "code": "liability_limited",
                "against": ["Customer"],
                "quote": CAP,
                "severity": "medium",
                "title": "Capped liability",
                "detail": "d",
                "clause_type": "cap_on_liability",
            }
        ],
        "money": [],
        "deadlines": [],
    }


@pytest.fixture(scope="module")
def llm_server() -> Iterator[OpenAIServer]:
    with openai_server() as server:
        server.responder = lambda _request: completion(_answer(), prompt_tokens=1500, completion_tokens=300)
        yield server


@pytest.fixture(scope="module")
def llm_stack(
    base_config: dict[str, Any], llm_server: OpenAIServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    redis_server = RedisServer(free_port(), tmp_path_factory.mktemp("llm-redis"))
    redis_server.start()
    config = {
        **base_config,
        **WORKER_SETTINGS,
        "redis_url": redis_server.url,
        "data_dir": tmp_path_factory.mktemp("llm-data"),
        "openai_api_key": "sk-test-not-a-real-key",
        "openai_base_url": llm_server.base_url,
    }
    pool = Workers(stack_env(config), tmp_path_factory.mktemp("llm-worker-logs"))
    try:
        for queue in ("extract", "analyze"):
            pool.start(queue)
        yield config
    finally:
        pool.stop_all()
        redis_server.stop()


def test_an_openai_key_is_all_it_takes_to_get_the_llm_analysis(
    llm_stack: dict[str, Any], llm_server: OpenAIServer, mailbox: Mailbox, email: str
) -> None:
    app = create_app(llm_stack)
    client = fresh_client(app)
    tokens = signed_in(client, mailbox, email)
    answer = upload(client, tokens, "msa.txt", CONTRACT_TEXT.encode())
    job = wait_for_job(client, tokens, answer.json["job"]["id"], timeout=90)
    assert job["status"] == "succeeded", job

    analysis = client.get(
        f"/api/v1/documents/{answer.json['document']['id']}/analysis", headers=bearer(tokens)
    ).json
    assert analysis["analyzer"] == "llm"
    assert analysis["model"] == "gpt-4o-mini-2024-07-18"
    assert [c["type"] for c in analysis["clauses"]] == ["cap_on_liability"], "the invented quote is dropped"
    assert analysis["clauses"][0]["page"] == 1
    assert analysis["usage"] == {"input_tokens": 1500, "output_tokens": 300}

    request = llm_server.requests[-1]
    assert request.body["model"] == "gpt-4o-mini"
    assert "Widget Labs LLC" in request.message("user")
    step = app.extensions["kraftd"].store.get_job(email, job["id"]).step("analyze")
    assert (step.input_tokens, step.output_tokens) == (1500, 300)
    assert step.cost_usd == pytest.approx((1500 * 0.15 + 300 * 0.60) / 1_000_000)


def test_a_new_perspective_reframes_without_asking_the_model_again(
    llm_stack: dict[str, Any], llm_server: OpenAIServer, mailbox: Mailbox, email: str
) -> None:
    app = create_app(llm_stack)
    client = fresh_client(app)
    tokens = signed_in(client, mailbox, email)
    answer = upload(client, tokens, "msa.txt", CONTRACT_TEXT.encode())
    assert wait_for_job(client, tokens, answer.json["job"]["id"], timeout=90)["status"] == "succeeded"
    doc_url = f"/api/v1/documents/{answer.json['document']['id']}"
    assert client.get(f"{doc_url}/analysis", headers=bearer(tokens)).json["perspective"] == "Customer"
    calls = len(llm_server.requests)

    reframed = client.put(f"{doc_url}/perspective", json={"role": "providers"}, headers=bearer(tokens))

    assert reframed.status_code == 200, reframed.json
    assert reframed.json["perspective"] == "Provider"
    assert "findings" not in reframed.json
    assert client.get(f"{doc_url}/analysis", headers=bearer(tokens)).json["perspective"] == "Provider"
    unknown = client.put(f"{doc_url}/perspective", json={"role": "Landlord"}, headers=bearer(tokens))
    assert (unknown.status_code, unknown.json["error"]["code"]) == (400, "unknown_role")
    assert len(llm_server.requests) == calls, "re-framing must not call the model"
