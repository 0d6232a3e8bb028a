"""What `web.api.declare` does to a route's answers, seen from the client."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Flask, Response
from pydantic import BaseModel

from web.api import declare
from web.errors import register_error_handlers


class Thing(BaseModel):
    n: int


def _app() -> Flask:
    app = Flask(__name__)
    register_error_handlers(app)
    return app


def test_an_answer_that_does_not_fit_its_model_is_our_500_not_the_libraries_error() -> None:
    app = _app()

    @app.get("/thing")
    @declare("tests", {200: Thing}, auth=False)
    def thing() -> dict[str, str]:
        return {"n": "not a number"}

    answer = app.test_client().get("/thing")
    assert answer.status_code == 500
    assert answer.json is not None
    assert answer.json["error"]["code"] == "internal_error"
    assert set(answer.json) == {"error"}


def test_a_model_answer_is_sent_as_json_with_its_status_and_headers() -> None:
    app = _app()

    @app.post("/thing")
    @declare("tests", {202: Thing}, auth=False)
    def make_thing() -> tuple[Thing, int, dict[str, str]]:
        return Thing(n=1), 202, {"Location": "/thing/1"}

    answer = app.test_client().post("/thing")
    assert (answer.status_code, answer.json, answer.headers["Location"]) == (202, {"n": 1}, "/thing/1")
    assert answer.mimetype == "application/json"


def test_a_streamed_answer_is_passed_on_without_being_read_first() -> None:
    app = _app()
    read: list[bytes] = []

    def chunks() -> Iterator[bytes]:
        for chunk in (b"PK", b"rest"):
            read.append(chunk)
            yield chunk

    @app.get("/download")
    @declare("tests", {200: None}, auth=False, media={200: "application/zip"})
    def download() -> Response:
        return Response(chunks(), mimetype="application/zip")

    answer = app.test_client().get("/download", buffered=False)
    # Werkzeug's client itself takes the first chunk to start the answer; buffering would have taken them all.
    assert read == [b"PK"], "the validation layer must not buffer a streamed download"
    assert answer.get_data() == b"PKrest"
