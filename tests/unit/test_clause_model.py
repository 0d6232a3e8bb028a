"""The learned clause model: the shipped file, the training pipeline, and what it adds to the rules."""

from __future__ import annotations

import numpy as np

from worker.clause_model import MODEL_PATH, MODES, ClauseModel, packaged_model, units
from worker.clause_training import LabelledContract, categories_of, prepare, train
from worker.offline_analyzer import Page, analyze_offline
from worker.quotes import locate_quote


def test_the_shipped_model_loads_once_and_is_small() -> None:
    model = packaged_model()
    assert packaged_model() is model
    assert MODEL_PATH.stat().st_size < 2 * 1024 * 1024
    assert model.categories
    assert set(model.decisions) == set(model.categories)
    assert {decision.mode for decision in model.decisions.values()} <= set(MODES) - {"rules"}
    assert model.weights.shape == (len(model.vocabulary), len(model.categories))


def test_the_model_file_round_trips(tmp_path) -> None:
    model = packaged_model()
    model.save(tmp_path / "copy.npz")
    again = ClauseModel.load(tmp_path / "copy.npz")
    assert again.categories == model.categories
    assert again.decisions == model.decisions
    assert again.vocabulary == model.vocabulary
    assert (again.weights != model.weights).nnz == 0


# Made-up contracts: half of them forbid poaching staff, in wording that varies from one to the next.
_POACHING = [
    "During the Term and for one year after, neither party shall solicit for employment any employee of the other.",
    "The Distributor shall not hire or recruit any of the Supplier's personnel without its written consent.",
    "Each party agrees not to solicit, employ or engage any staff member of the other party during the Term.",
    "Consultant will not induce any employee of the Company to leave the employ of the Company.",
    "For twelve months neither party shall recruit or hire employees of the other party.",
    "The Agent shall not solicit or hire any employee of the Principal while this Agreement is in force.",
]
_FILLER = [
    "The Supplier shall deliver the Products to the address stated in each purchase order.",
    "Invoices are payable within thirty days of receipt.",
    "Each party shall keep accurate books and records of its activities under this Agreement.",
    "Notices shall be in writing and delivered by hand or by courier.",
    "This Agreement may be signed in counterparts.",
]


def _contract(number: int) -> LabelledContract:
    text = f"SUPPLY AGREEMENT {number}\n\n" + "\n\n".join(_FILLER[number % 5 :] + _FILLER[: number % 5])
    pieces: list[tuple[int, int]] = []
    if number % 2 == 0:
        clause = _POACHING[(number // 2) % len(_POACHING)]
        pieces.append((len(text) + 2, len(text) + 2 + len(clause)))
        text += "\n\n" + clause
    present = {"no_solicit_of_employees": bool(pieces)}
    return LabelledContract(f"c{number}", [text], present, {"no_solicit_of_employees": pieces})


def test_training_is_deterministic() -> None:
    contracts = [_contract(n) for n in range(14)]
    categories = categories_of(contracts)
    assert categories == ("no_solicit_of_employees",)
    first = train([prepare(c, categories) for c in contracts], seed=0)
    second = train([prepare(c, categories) for c in contracts], seed=0)
    assert first.decisions == second.decisions
    assert first.vocabulary == second.vocabulary
    assert np.array_equal(first.weights.toarray(), second.weights.toarray())


def test_sentences_carry_the_sentence_and_the_heading_before_them() -> None:
    pages = [
        Page(1, "NON-SOLICITATION"),
        Page(
            2,
            "During the Term and for twelve months after it ends, neither party shall hire the other's staff.",
        ),
    ]
    found = units(pages)
    assert [(u.page, u.text) for u in found] == [(0, pages[0].text), (1, pages[1].text)]
    assert (found[0].previous, found[0].heading) == (-1, -1)
    assert (found[1].previous, found[1].heading) == (0, 0)


def test_the_analysis_is_deterministic() -> None:
    text = "\n\n".join(_FILLER + _POACHING[:2])
    assert analyze_offline([text], "d") == analyze_offline([text], "d")


def test_a_clause_the_rules_miss_is_found_by_the_model_with_a_verbatim_quote() -> None:
    pages = [
        "LICENSE AGREEMENT\n\n1. Royalties. The Licensee shall pay the Licensor a royalty of five percent of Net Sales.",
        "2. Records. The Licensee shall keep complete and accurate records of all sales of Licensed Products,\n"
        "and the Licensor or its accountant may examine them once a year.",
    ]
    by_rules = analyze_offline(pages, "d", clause_model=ClauseModel.rules_only())
    assert "audit_rights" not in {clause.type for clause in by_rules.clauses}

    analysis = analyze_offline(pages, "d")
    audit = [clause for clause in analysis.clauses if clause.type == "audit_rights"]
    assert len(audit) == 1
    assert audit[0].page == 2
    assert audit[0].text in pages[1]
    assert "may examine them" in audit[0].text
    assert locate_quote(audit[0].text, pages) == 2
