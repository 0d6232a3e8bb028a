"""Section-aware chunking and token counting."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from worker import chunking
from worker.chunking import chunk_text, count_tokens, estimate_tokens

SECTION_BODY = "The Supplier shall perform the services with due care and skill. " * 6


def numbered_contract(sections: int) -> str:
    body = "\n\n".join(f"{n}. Heading {n}\n{SECTION_BODY}" for n in range(1, sections + 1))
    return "SERVICES AGREEMENT\n\n" + body


@pytest.fixture
def no_tiktoken(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """tiktoken whose encoding cannot be loaded, as without network."""
    import tiktoken

    def fail(name: str) -> None:
        raise ConnectionError("no network")

    chunking._tiktoken_counter.cache_clear()
    monkeypatch.setattr(tiktoken, "get_encoding", fail)
    yield
    chunking._tiktoken_counter.cache_clear()


def test_the_estimate_is_a_quarter_of_the_characters_rounded_up() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd") == 1
    assert estimate_tokens("abcde") == 2


def test_without_tiktoken_counting_falls_back_to_the_estimate(no_tiktoken: None) -> None:
    assert count_tokens("x" * 4001) == 1001


def test_count_tokens_is_positive_for_text() -> None:
    assert count_tokens("This Agreement is governed by Delaware law.") > 0


def test_chunks_are_exact_slices_within_budget_cut_at_sections() -> None:
    text = numbered_contract(40)
    chunks = chunk_text(text, 300, estimate_tokens)
    assert len(chunks) > 3
    assert "".join(chunks) == text
    assert all(estimate_tokens(c) <= 300 for c in chunks)
    assert chunks[0].startswith("SERVICES AGREEMENT")
    assert all(re.match(r"\d+\. Heading \d+\n", c) for c in chunks[1:])


def test_a_short_text_is_one_chunk() -> None:
    assert chunk_text("1. Term. One year.", 100) == ["1. Term. One year."]
    assert chunk_text("", 100) == []


def test_inline_numbered_sections_are_boundaries_too() -> None:
    # CUAD text often has no line breaks: "... as follows: 1. Services. The Company ..."
    text = "AGREEMENT between A and B, as follows: " + " ".join(
        f"{n}. Title {n}. {SECTION_BODY}" for n in range(1, 11)
    )
    chunks = chunk_text(text, 250, estimate_tokens)
    assert "".join(chunks) == text
    assert all(re.match(r"\d+\. Title \d+\. ", c) for c in chunks[1:])


def test_an_oversized_section_is_cut_at_sentences_then_words() -> None:
    sentence = "Each party shall keep the other's information confidential for five years. "
    text = "1. Confidentiality\n" + sentence * 200 + "2. Term\nOne year."
    chunks = chunk_text(text, 100, estimate_tokens)
    assert "".join(chunks) == text
    assert all(estimate_tokens(c) <= 100 for c in chunks)
    assert all(c.endswith(". ") for c in chunks[:-2])  # cut between sentences, not inside them

    words = chunk_text("word " * 1000, 50, estimate_tokens)
    assert "".join(words) == "word " * 1000
    assert all(estimate_tokens(c) <= 50 for c in words)


def test_a_text_without_any_boundary_is_halved_until_it_fits() -> None:
    blob = "x" * 10_000
    chunks = chunk_text(blob, 100, estimate_tokens)
    assert "".join(chunks) == blob
    assert all(estimate_tokens(c) <= 100 for c in chunks)


def test_the_budget_must_be_positive() -> None:
    with pytest.raises(ValueError, match="budget"):
        chunk_text("text", 0)
