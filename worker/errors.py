"""The two kinds of failure a step can have: worth retrying, or not."""

from __future__ import annotations


class StepError(Exception):
    """A failure with a code and a message for the user."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class PermanentError(StepError):
    """Retrying cannot help (a corrupt file, unsupported content): the job fails at once."""


class TransientError(StepError):
    """A passing failure (throttling, a timeout, a 5xx): retried with backoff, honouring `retry_after`."""

    def __init__(self, code: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(code, message)
        self.retry_after = retry_after


class RetriesExhausted(StepError):
    """A transient failure that already used up its retries inside the step (e.g. the LLM client's own).

    The job fails now, marked transient, so `flask jobs retry-failed` can run it again later.
    """
