from __future__ import annotations

from common.analysis import Analysis, Clause
from worker.quotes import locate_quote, verify_clauses

PAGES = [
    "MASTER AGREEMENT\n\nThis Agreement is made between Acme Corp. and Beta LLC.",
    "1. Term.  This Agreement shall\ncontinue for two (2) years.\n2. Fees. Fees are due within 30 days.",
    "3. Governing Law. This Agreement is governed by the laws of the State of Delaware.",
]


def _clause(text: str, page: int | None = None) -> Clause:
    return Clause(type="governing_law", title="t", text=text, page=page, risk="low", explanation="e")


def _analysis(*clauses: Clause) -> Analysis:
    return Analysis(document_id="doc", analyzer="offline", summary="s", clauses=list(clauses))


def test_locate_quote_finds_the_page() -> None:
    assert locate_quote("This Agreement is made between Acme Corp. and Beta LLC.", PAGES) == 1
    assert locate_quote("governed by the laws of the State of Delaware", PAGES) == 3


def test_locate_quote_ignores_whitespace_differences() -> None:
    assert locate_quote("This Agreement shall continue for two (2) years.", PAGES) == 2
    assert locate_quote("This  Agreement\tshall\n\ncontinue", PAGES) == 2


def test_locate_quote_is_exact_apart_from_whitespace() -> None:
    assert locate_quote("this agreement shall continue", PAGES) is None
    assert locate_quote("governed by the laws of the State of New York", PAGES) is None
    assert locate_quote("Fees are due within 30 days!", PAGES) is None


def test_locate_quote_rejects_empty_quotes() -> None:
    assert locate_quote("", PAGES) is None
    assert locate_quote("   \n", PAGES) is None
    assert locate_quote("anything", []) is None


def test_quote_over_a_page_break_counts_for_its_first_page() -> None:
    assert locate_quote("Fees are due within 30 days. 3. Governing Law.", PAGES) == 2


def test_verify_clauses_drops_invented_quotes_and_fixes_pages() -> None:
    analysis = _analysis(
        _clause("governed by the laws of the State of Delaware", page=1),
        _clause("The Supplier shall indemnify the Customer.", page=2),
        _clause("Fees are due within\n30 days.", page=None),
    )
    verified, dropped = verify_clauses(analysis, PAGES)
    assert dropped == 1
    assert [(c.text, c.page) for c in verified.clauses] == [
        ("governed by the laws of the State of Delaware", 3),
        ("Fees are due within\n30 days.", 2),
    ]
    assert len(analysis.clauses) == 3  # the input is not modified


def test_verify_clauses_keeps_markup_verbatim() -> None:
    pages = ['Notices go to <script>alert("x")</script> & Co.']
    verified, dropped = verify_clauses(_analysis(_clause('<script>alert("x")</script> & Co.')), pages)
    assert dropped == 0
    assert verified.clauses[0].text == '<script>alert("x")</script> & Co.'
    assert verified.clauses[0].page == 1
