"""Contract analysis by an OpenAI model (or Azure OpenAI, or any OpenAI-compatible server).

Flow: the pages are joined and cut into chunks of at most `chunk_tokens` tokens at section boundaries
(worker/chunking.py); each chunk is analysed by one structured-output call (strict JSON schema, temperature 0);
the chunk results are merged and de-duplicated; a long contract's summary comes from one more small call
over the merged findings (a single-chunk contract keeps its own summary); worker/analyze.py then checks
every quote against the text and drops the ones not found.

Retries are tenacity's, with the SDK's own off (`max_retries=0`): the SDK does honour `Retry-After`, but
its delays cannot be shortened for tests, and we need one policy over HTTP failures and timeouts.
429 and 5xx answers honour `retry-after-ms` / `Retry-After` (up to `max_retry_after`; a longer wait hands
the job back to the queue as a TransientError carrying that delay); without one, and on timeouts and
connection errors, the delay is exponential with jitter. After `max_attempts` tries, or when the next try
would start past the analysis' deadline: RetriesExhausted("llm_unavailable"). An answer that does not match the schema is asked
for once more, then PermanentError("llm_bad_output"). 401/403: PermanentError("llm_auth_failed").
"""

from __future__ import annotations

import email.utils
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from openai import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AzureOpenAI,
    OpenAI,
)
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam
from openai.types.shared_params import ResponseFormatJSONSchema
from pydantic import BaseModel, ValidationError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_any,
    stop_when_event_set,
    wait_exponential,
    wait_random_exponential,
)
from tenacity.stop import stop_base
from tenacity.wait import wait_combine

from common.analysis import Analysis, Clause, Deadline, Findings, Money, Party, Risk, Term, Usage
from common.config import Settings
from common.framing import match_role
from worker.chunking import chunk_text
from worker.errors import PermanentError, RetriesExhausted, TransientError
from worker.llm_prompt import (
    LlmAnalysis,
    LlmClause,
    LlmDeadline,
    LlmMoney,
    LlmParty,
    LlmRisk,
    LlmSummary,
    analysis_messages,
    response_format,
    summary_messages,
)
from worker.quotes import squash

log = logging.getLogger(__name__)

AZURE_API_VERSION = "2024-10-21"  # the first GA Azure OpenAI API version with structured outputs
AZURE_SCOPE = "https://cognitiveservices.azure.com/.default"

# Contract text per request. gpt-4o-mini reads 128k tokens and writes at most 16k; 12k tokens (about 15 pages)
# leaves the answer, which quotes the clauses it finds, far from that output cap, and keeps recall of details
# high. A 60k-token contract becomes five or six calls.
DEFAULT_CHUNK_TOKENS = 12_000
DEFAULT_TIMEOUT_SECONDS = 120.0
DEFAULT_CONCURRENCY = 4
# No retry starts later than this after the analysis began, so that the step fails as llm_unavailable well
# before the analyze task's soft time limit (600 s, common.stages) cuts it off mid-wait.
DEFAULT_DEADLINE_SECONDS = 420.0

# USD per million tokens (input, output): list prices, standard tier. Matched by the longest prefix of the
# model name the provider reports, so dated snapshots ("gpt-4o-mini-2024-07-18") find their family.
PRICES_PER_MILLION: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
}

_RISK_RANK = {"low": 0, "medium": 1, "high": 2}
_WHITESPACE = re.compile(r"\s+")
_RETRYABLE_STATUS = frozenset({408, 409, 429})

T = TypeVar("T", bound=BaseModel)


def estimate_cost(model: str | None, usage: Usage | None) -> float | None:
    """The price in USD of `usage` on `model`; None when the model is not in the price table."""
    if not model or usage is None:
        return None
    name = model.lower()
    family = max((m for m in PRICES_PER_MILLION if name.startswith(m)), key=len, default=None)
    if family is None:
        return None
    per_input, per_output = PRICES_PER_MILLION[family]
    return (usage.input_tokens * per_input + usage.output_tokens * per_output) / 1_000_000


# --- retries ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one request: `max_attempts` tries in all, waits between `base_delay` and `max_delay`."""

    max_attempts: int = 4
    base_delay: float = 1.0
    max_delay: float = 20.0
    max_retry_after: float = 60.0

    def backoff(self) -> wait_combine:
        """Exponential from `base_delay` up to `max_delay`, jittered to 50-100 % of it (never an instant retry):
        half the ceiling fixed plus a random share of the other half."""
        half = {"multiplier": self.base_delay / 2, "max": self.max_delay / 2}
        return wait_exponential(**half) + wait_random_exponential(**half)


class _Retryable(Exception):
    """A failed call worth another try: what went wrong, and the wait the server asked for (None: back off)."""

    def __init__(self, reason: str, asked: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.asked = asked


class _StopPast(stop_base):
    """Stop when the next try would start after `deadline` (time.monotonic)."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def __call__(self, retry_state: RetryCallState) -> bool:
        return time.monotonic() + retry_state.upcoming_sleep > self.deadline


def _failure(state: RetryCallState) -> _Retryable:
    assert state.outcome is not None  # tenacity asks only after a try
    failure = state.outcome.exception()
    assert isinstance(failure, _Retryable)  # the only exception retried
    return failure


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The wait a server asked for: `retry-after-ms`, else `Retry-After` in seconds or as an HTTP date."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


# --- the client ------------------------------------------------------------------------------------------------


def build_client(settings: Settings, timeout: float) -> tuple[OpenAI, str]:
    """The SDK client the settings ask for, with its own retries off, and the model (or deployment) to name.

    AZURE_OPENAI_ENDPOINT set → AzureOpenAI: the deployment is AZURE_OPENAI_DEPLOYMENT (else OPENAI_MODEL,
    as deployments are often named after their model); the key AZURE_OPENAI_API_KEY, else an Entra ID token
    from DefaultAzureCredential. Otherwise OpenAI with OPENAI_API_KEY, at OPENAI_BASE_URL when set.
    """
    if settings.azure_openai_endpoint:
        deployment = settings.azure_openai_deployment or settings.openai_model
        if settings.azure_openai_api_key:
            return AzureOpenAI(
                azure_endpoint=settings.azure_openai_endpoint,
                azure_deployment=deployment,
                api_version=AZURE_API_VERSION,
                api_key=settings.azure_openai_api_key,
                timeout=timeout,
                max_retries=0,
            ), deployment
        from azure.identity import DefaultAzureCredential, get_bearer_token_provider

        return AzureOpenAI(
            azure_endpoint=settings.azure_openai_endpoint,
            azure_deployment=deployment,
            api_version=AZURE_API_VERSION,
            azure_ad_token_provider=get_bearer_token_provider(DefaultAzureCredential(), AZURE_SCOPE),
            timeout=timeout,
            max_retries=0,
        ), deployment
    client = OpenAI(
        api_key=settings.openai_api_key,
        base_url=settings.openai_base_url,
        timeout=timeout,
        max_retries=0,
    )
    return client, settings.openai_model


# --- the analyzer ----------------------------------------------------------------------------------------------


class LlmAnalyzer:
    """One analysis run's client, policy and token count. Thread-safe: chunks are analysed concurrently."""

    def __init__(
        self,
        settings: Settings,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        retry: RetryPolicy | None = None,
        chunk_tokens: int = DEFAULT_CHUNK_TOKENS,
        concurrency: int = DEFAULT_CONCURRENCY,
        deadline: float = DEFAULT_DEADLINE_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client, self.model = build_client(settings, timeout)
        self.deadline = deadline
        self._deadline = time.monotonic() + deadline
        self.retry = retry or RetryPolicy()
        self.chunk_tokens = chunk_tokens
        self.concurrency = max(1, concurrency)
        self._sleep = sleep
        self._lock = threading.Lock()
        self._abandoned = threading.Event()  # set when one chunk failed: the others stop retrying
        self.input_tokens = 0
        self.output_tokens = 0
        self.served_model: str | None = None

    def __enter__(self) -> LlmAnalyzer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connections of the client."""
        self.client.close()

    @property
    def usage(self) -> Usage:
        with self._lock:
            return Usage(input_tokens=self.input_tokens, output_tokens=self.output_tokens)

    def analyze(self, pages: Sequence[str], document_id: str) -> Analysis:
        """The model's analysis of the document, merged over its chunks; quotes not yet verified."""
        text = "\n".join(pages)
        chunks = [chunk for chunk in chunk_text(text, self.chunk_tokens) if chunk.strip()]
        if not chunks:
            raise PermanentError("no_text", "The document has no text to analyse.")
        self._deadline = time.monotonic() + self.deadline
        log.info("analysing document %s with %s in %d chunk(s)", document_id, self.model, len(chunks))
        parts = self._map(chunks)
        merged = merge(parts, text)
        if len(parts) > 1:
            merged.summary = self._summarise(merged, parts)
        return to_analysis(merged, document_id, model=self.served_model or self.model, usage=self.usage)

    def _map(self, chunks: list[str]) -> list[LlmAnalysis]:
        total = len(chunks)
        if total == 1:
            return [self._analyse_chunk(chunks[0], 1, 1)]
        pool = ThreadPoolExecutor(max_workers=min(self.concurrency, total), thread_name_prefix="llm-chunk")
        futures = [pool.submit(self._analyse_chunk, chunk, n, total) for n, chunk in enumerate(chunks, 1)]
        try:
            results = [future.result() for future in futures]
        except BaseException:
            # One chunk failed, so the job fails: the other chunks' work would be paid for nothing. Chunks not
            # started are cancelled, the others stop retrying, and the requests in flight (each bounded by the
            # client timeout) are waited for, so that no call outlives the analysis.
            self._abandoned.set()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown()
        return results

    def _analyse_chunk(self, chunk: str, part: int, parts: int) -> LlmAnalysis:
        return self._complete(analysis_messages(chunk, part, parts), "contract_analysis", LlmAnalysis)

    def _summarise(self, merged: LlmAnalysis, parts: Sequence[LlmAnalysis]) -> str:
        findings = {
            "part_summaries": [p.summary for p in parts],
            "parties": [p.model_dump() for p in merged.parties],
            "effective_date": merged.effective_date,
            "term": merged.term.model_dump(),
            "governing_law": merged.governing_law,
            "clauses": [{"type": c.type, "title": c.title, "risk": c.risk} for c in merged.clauses],
            "risks": [{"severity": r.severity, "title": r.title} for r in merged.risks],
        }
        answer = self._complete(
            summary_messages(json.dumps(findings, indent=1)), "contract_summary", LlmSummary
        )
        return answer.summary

    def _complete(self, messages: list[ChatCompletionMessageParam], name: str, shape: type[T]) -> T:
        """One structured answer of `shape`: asked again once when it does not parse, then llm_bad_output."""
        fmt = response_format(name, shape)
        for attempt in (1, 2):
            completion = self._create(messages, fmt)
            parsed = None if completion is None else _parse(completion, shape)
            if parsed is not None:
                return parsed
            log.warning("the model's %s answer did not match its schema (try %d of 2)", name, attempt)
        raise PermanentError(
            "llm_bad_output",
            "The language model answered twice in a form that does not match the analysis format.",
        )

    def _create(
        self, messages: list[ChatCompletionMessageParam], fmt: ResponseFormatJSONSchema
    ) -> ChatCompletion | None:
        """One chat completion, retried on throttling, server errors, timeouts and connection errors.

        None when the server answered 200 with a body that is not JSON (a proxy's error page, say): that is a
        bad answer, for the caller to ask again once, not a transport failure.
        """
        backoff = self.retry.backoff()

        def wait(state: RetryCallState) -> float:
            asked = _failure(state).asked
            return backoff(state) if asked is None else asked

        retrying = Retrying(
            retry=retry_if_exception_type(_Retryable),
            wait=wait,
            stop=stop_any(
                stop_after_attempt(self.retry.max_attempts),
                stop_when_event_set(self._abandoned),
                _StopPast(self._deadline),
            ),
            sleep=self._sleep,
            before_sleep=self._log_retry,
            retry_error_callback=self._exhausted,
        )
        completion: ChatCompletion | None = retrying(self._try_create, messages, fmt)
        return completion

    def _try_create(
        self, messages: list[ChatCompletionMessageParam], fmt: ResponseFormatJSONSchema
    ) -> ChatCompletion | None:
        """One try: the completion, None for a body that is not JSON, or the error as retryable or final."""
        try:
            completion = self.client.chat.completions.create(
                model=self.model, messages=messages, temperature=0, response_format=fmt
            )
        except APIStatusError as exc:
            raise _Retryable(f"HTTP {exc.status_code}", self._wait_asked(exc)) from None
        except APITimeoutError:
            raise _Retryable("timeout") from None
        except APIConnectionError:
            raise _Retryable("connection error") from None
        except (json.JSONDecodeError, APIResponseValidationError):
            return None
        self._count(completion)
        return completion

    def _log_retry(self, state: RetryCallState) -> None:
        log.warning(
            "LLM call failed (%s), try %d of %d; again in %.2fs",
            _failure(state).reason,
            state.attempt_number,
            self.retry.max_attempts,
            state.upcoming_sleep,
        )

    def _exhausted(self, state: RetryCallState) -> None:
        raise RetriesExhausted(
            "llm_unavailable",
            f"The language model service did not answer after {state.attempt_number} tries "
            f"({_failure(state).reason}); try again later.",
        )

    def _wait_asked(self, exc: APIStatusError) -> float | None:
        """The wait the server asked for before a retry (None: back off); raises when retrying cannot help."""
        status = exc.status_code
        if status in (401, 403):
            # The provider's message can echo part of the key: none of it goes into ours.
            raise PermanentError(
                "llm_auth_failed",
                f"The language model service refused the configured credentials (HTTP {status}).",
            ) from None
        if status == 429 and exc.code == "insufficient_quota":
            raise RetriesExhausted(
                "llm_quota_exceeded", "The language model account has run out of quota; try again later."
            ) from None
        if status not in _RETRYABLE_STATUS and status < 500:
            log.warning("LLM request rejected: HTTP %d, code %s", status, exc.code)
            if status == 404:
                raise PermanentError(
                    "llm_model_not_found", f"The language model service has no model named {self.model!r}."
                ) from None
            raise PermanentError(
                "llm_request_rejected", f"The language model service rejected the request (HTTP {status})."
            ) from None
        asked = retry_after_seconds(exc.response.headers)
        if asked is not None and asked > self.retry.max_retry_after:
            raise TransientError(
                "llm_rate_limited",
                f"The language model service asked to wait {asked:.0f} seconds; the job will retry later.",
                retry_after=asked,
            ) from None
        return asked

    def _count(self, completion: ChatCompletion) -> None:
        """Add the call's tokens (a compatible server may send no usage, or a partial one)."""
        usage = completion.usage
        with self._lock:
            if self.served_model is None and isinstance(completion.model, str) and completion.model:
                self.served_model = completion.model
            self.input_tokens += int(getattr(usage, "prompt_tokens", 0) or 0)
            self.output_tokens += int(getattr(usage, "completion_tokens", 0) or 0)


def _parse(completion: ChatCompletion, shape: type[T]) -> T | None:
    """The answer as `shape`, or None when it is missing, cut off, refused or does not validate.

    The SDK builds the completion without validating it, so any part of it may be absent (None).
    """
    try:
        choice = completion.choices[0]
        content = choice.message.content
        if choice.finish_reason == "length" or choice.message.refusal or not content:
            return None
        return shape.model_validate_json(content)
    except (AttributeError, IndexError, TypeError, ValidationError):
        return None


# --- merging chunk results -------------------------------------------------------------------------------------


def _key(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip().casefold()


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def merge_clauses(clauses: Iterable[LlmClause], document: str) -> list[LlmClause]:
    """The clauses without duplicates, in document order.

    Two clauses are duplicates when they have the same type and their quotes overlap in the document
    (whitespace ignored), or, for quotes not found in it, when one contains the other. Of duplicates the one
    with the higher risk stays; on a tie, the longer quote.
    """
    squashed = squash(document)
    kept: list[tuple[LlmClause, str, tuple[int, int] | None]] = []
    for clause in clauses:
        needle = squash(clause.text)
        if not needle:
            continue
        at = squashed.find(needle)
        span = (at, at + len(needle)) if at >= 0 else None
        for i, (other, other_needle, other_span) in enumerate(kept):
            if other.type != clause.type:
                continue
            same = (
                _overlap(span, other_span)
                if span and other_span
                else needle in other_needle or other_needle in needle
            )
            if same:
                if (_RISK_RANK[clause.risk], len(needle)) > (_RISK_RANK[other.risk], len(other_needle)):
                    kept[i] = (clause, needle, span)
                break
        else:
            kept.append((clause, needle, span))
    kept.sort(key=lambda entry: entry[2][0] if entry[2] else len(squashed))
    return [clause for clause, _, _ in kept]


def _merge_risks(risks: Iterable[LlmRisk]) -> list[LlmRisk]:
    """One risk per (code, quote); of duplicates the most severe stays."""
    best: dict[tuple[str, str], LlmRisk] = {}
    for risk in risks:
        key = (risk.code, squash(risk.quote).casefold() or _key(risk.title))
        if key not in best or _RISK_RANK[risk.severity] > _RISK_RANK[best[key].severity]:
            best[key] = risk
    return list(best.values())


def _unique(items: Iterable[T], key: Callable[[T], object]) -> list[T]:
    seen: dict[object, T] = {}
    for item in items:
        seen.setdefault(key(item), item)
    return list(seen.values())


def _money_key(money: LlmMoney) -> object:
    return (money.kind, _decimal(money.amount), money.currency.upper(), money.period)


def _deadline_key(deadline: LlmDeadline) -> object:
    return (deadline.kind, deadline.date, deadline.days, squash(deadline.text).casefold())


def _first(values: Iterable[str | None]) -> str | None:
    return next((v.strip() for v in values if v and v.strip()), None)


def merge(parts: Sequence[LlmAnalysis], document: str) -> LlmAnalysis:
    """The chunk analyses as one: lists joined without duplicates, each single field from its first chunk."""
    parties: dict[str, LlmParty] = {}
    for party in (p for part in parts for p in part.parties):
        parties.setdefault(_key(party.name), party)
    term = parts[0].term.model_copy(
        update={
            name: _first(getattr(part.term, name) for part in parts)
            for name in ("initial", "renewal", "notice_period")
        }
    )
    return LlmAnalysis(
        summary=parts[0].summary,
        contract_type=next((p.contract_type for p in parts if p.contract_type != "other"), "other"),
        parties=list(parties.values()),
        perspective=_first(p.perspective for p in parts),
        effective_date=_first(p.effective_date for p in parts),
        term=term,
        governing_law=_first(p.governing_law for p in parts),
        clauses=merge_clauses((c for p in parts for c in p.clauses), document),
        risks=_merge_risks(r for p in parts for r in p.risks),
        money=_unique((m for p in parts for m in p.money), _money_key),
        deadlines=_unique((d for p in parts for d in p.deadlines), _deadline_key),
    )


def _iso_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value else None
    except ValueError:
        return None


def _decimal(amount: str) -> str | None:
    """A money amount as a two-decimal string ("1,250" → "1250.00"); None when it is not a number."""
    try:
        value = Decimal(amount.replace(",", "").strip().lstrip("$£€"))
    except InvalidOperation:
        return None
    return f"{value:.2f}" if value.is_finite() and value >= 0 else None


def _money(items: Iterable[LlmMoney]) -> list[Money]:
    out: list[Money] = []
    for m in items:
        amount = _decimal(m.amount)
        currency = m.currency.strip().upper()
        if amount is not None and len(currency) == 3 and currency.isalpha():
            out.append(Money(kind=m.kind, amount=amount, currency=currency, period=m.period, text=m.text))
    return out


def _deadlines(items: Iterable[LlmDeadline]) -> list[Deadline]:
    return [
        Deadline(
            kind=d.kind,
            date=_iso_date(d.date),
            days=d.days if d.days is not None and d.days >= 0 else None,
            text=d.text,
        )
        for d in items
    ]


def to_analysis(llm: LlmAnalysis, document_id: str, *, model: str, usage: Usage) -> Analysis:
    """The model's answer as the service's findings: ids numbered, empty term as None, bad dates and amounts
    dropped, a perspective that names no party's role dropped. `worker.analyze` frames it."""
    term = Term(**llm.term.model_dump())
    parties = [
        Party(name=p.name.strip(), role=(p.role or "").strip() or None, kind=p.kind)
        for p in llm.parties
        if p.name.strip()
    ]
    risks = [
        Risk(
            id=f"risk-{n}",
            severity=r.severity,
            title=r.title,
            detail=r.detail,
            clause_type=r.clause_type,
            code=r.code,
            against=[role.strip() for role in r.against if role.strip()],
            quote=r.quote,
        )
        for n, r in enumerate(llm.risks, start=1)
    ]
    analysis = Analysis(
        document_id=document_id,
        analyzer="llm",
        model=model,
        summary=llm.summary.strip(),
        contract_type=llm.contract_type,
        parties=parties,
        effective_date=_iso_date(llm.effective_date),
        term=term if any(term.model_dump().values()) else None,
        governing_law=llm.governing_law,
        clauses=[
            Clause(type=c.type, title=c.title, text=c.text, risk=c.risk, explanation=c.explanation)
            for c in llm.clauses
        ],
        risks=risks,
        money=_money(llm.money),
        deadlines=_deadlines(llm.deadlines),
        findings=Findings(risks=risks),
        usage=usage,
    )
    perspective = match_role(analysis, llm.perspective) if llm.perspective else None
    return analysis.model_copy(update={"perspective": perspective})
