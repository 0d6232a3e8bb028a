"""How each route declares what it takes and answers, for validation at the edge and for the OpenAPI document.

spectree validates the query string, the JSON body and the multipart form against the models a route declares,
hands them to the view (`query`, `json` parameters), and checks the answer against the model declared for its
status. Its own error bodies never reach a client: a request that does not fit is answered by our
`{"error": {...}}` handler (400 `invalid_request`), and an answer that does not fit its model is logged and
answered 500 `internal_error`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Request
from flask import Response as FlaskResponse
from pydantic import BaseModel, ValidationError
from spectree import Response, SecurityScheme, SecuritySchemeData, SpecTree
from spectree.models import SecureType
from spectree.plugins.flask_plugin import FlaskPlugin

from web.errors import ErrorBody
from web.validation import json_object

# Every /api/ route can answer these besides its own: a body or query that does not fit, too many requests,
# a backing service down, a bug.
API_ERRORS = (400, 429, 500, 503)

BEARER = "bearer"

# Media types of answers that are not JSON, by operation id (`blueprint.view`), filled by `declare`.
MEDIA: dict[str, dict[int, str]] = {}


class AnswerDoesNotFitItsModel(RuntimeError):
    """A view answered something its declared model does not describe: a bug, answered as a 500."""


class _OurJsonPlugin(FlaskPlugin):
    """spectree's Flask plugin, reading a JSON body by our rules (`web.validation.json_object`) for any method:
    an empty body is `{}`, anything else must be a JSON object sent as JSON; `DELETE /auth/me` has a body too."""

    def request_validation(
        self, request: Request, query: Any, json: Any, form: Any, headers: Any, cookies: Any
    ) -> None:
        super().request_validation(request, query, None, form, headers, cookies)
        if json is not None:
            body = self.model_adapter.validate_obj(json, json_object())
            request.context = request.context._replace(json=body)  # type: ignore[attr-defined]

    def validate_response(
        self, resp: Any, resp_model: Response | None, skip_validation: bool, force_resp_serialize: bool
    ) -> tuple[Any, Exception | None]:
        """A streamed answer (a file, the export ZIP) passes through as it is, never read into memory."""
        if isinstance(resp, FlaskResponse) and resp.is_streamed:
            return resp, None
        return super().validate_response(resp, resp_model, skip_validation, force_resp_serialize)


def _request_does_not_fit(
    _req: Any, _resp: Any, error: Exception | None, _instance: Any, _adapter: Any
) -> None:
    if isinstance(error, ValidationError):
        raise error  # web.errors answers it: 400 invalid_request, naming the fields


def _answer_does_not_fit(
    _req: Any, _resp: Any, error: Exception | None, _instance: Any, _adapter: Any
) -> None:
    if error is not None:
        raise AnswerDoesNotFitItsModel(str(error))


spec = SpecTree(
    backend=_OurJsonPlugin,
    title="Kraftd Docs API",
    version="1.0.0",
    description="Contract review: upload a contract, poll its job, read the analysis. Every error is "
    '`{"error": {"code", "message"}}`.',
    page_templates={},  # no documentation pages: they would load scripts from a CDN our CSP refuses
    security_schemes=[
        SecurityScheme(
            name=BEARER, data=SecuritySchemeData(type=SecureType.HTTP, scheme="bearer", bearer_format="JWT")
        )
    ],
    validation_error_status=400,
    validation_error_model=ErrorBody,
    before=_request_does_not_fit,
    after=_answer_does_not_fit,
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
)


def declare(
    tag: str,
    ok: dict[int, type[BaseModel] | None],
    errors: Iterable[int] = (),
    *,
    auth: bool = True,
    api: bool = True,
    form: type[BaseModel] | None = None,
    media: dict[int, str] | None = None,
    validate: bool = True,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a route: its answers by status (a model, or None for an answer without a JSON body), the
    error statuses it can answer besides `API_ERRORS` (only 500 off the /api/ prefix), whether it needs a
    bearer token, its multipart form, and the media types of its non-JSON answers. The query and JSON body
    models are the view's `query` and `json` parameters. `validate=False` only documents: for a view that
    takes no input and answers JSON its declared model already wrote (the job poll)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        operation_id = f"{view.__module__.rsplit('.', 1)[-1]}.{view.__name__}"
        codes: dict[str, Any] = {f"HTTP_{status}": model for status, model in ok.items()}
        for status in {*errors, *(API_ERRORS if api else (500,)), *((401,) if auth else ())}:
            codes[f"HTTP_{status}"] = ErrorBody
        if media:
            MEDIA[operation_id] = media
        return spec.validate(
            form=form,
            resp=Response(**codes),
            tags=[tag],
            security={BEARER: []} if auth else {},
            operation_id=operation_id,
            skip_validation=not validate,
        )(view)

    return decorate
