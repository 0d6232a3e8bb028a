"""Generated contracts for the benches: realistic clause text in TXT, DOCX and PDF, no new dependencies.

Each contract varies a template (parties, dates, term and renewal, termination, payment, confidentiality,
limitation of liability, indemnification, governing law) and pads it with ordinary operative paragraphs to the
page count asked for. PDFs are written by hand (Helvetica, one uncompressed-font text stream per page), since
the project has pypdf, which reads but does not lay out text.
"""

from __future__ import annotations

import random
import textwrap
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import docx

PAGE_CHARS = 3000  # what worker.extract cuts DOCX and TXT into; a PDF page here holds about as much
FORMATS = ("pdf", "docx", "txt")

_COMPANIES = (
    "Northwind Logistics", "Bluefield Analytics", "Cedar Ridge Software", "Harbor Point Medical",
    "Ironwood Manufacturing", "Lakeshore Foods", "Meridian Energy Partners", "Orchard Street Media",
    "Pinecrest Financial", "Quarry Hill Robotics", "Redstone Pharmaceuticals", "Silverline Telecom",
    "Summit Peak Outfitters", "Tidewater Shipping", "Vantage Cloud Systems", "Westbrook Data Labs",
)  # fmt: skip
_SUFFIXES = (("Inc.", "corporation"), ("LLC", "limited liability company"), ("Corp.", "corporation"))
_STATES = (
    "Delaware",
    "New York",
    "California",
    "Texas",
    "Illinois",
    "Massachusetts",
    "Washington",
    "Georgia",
)
_TITLES = (
    ("MASTER SERVICES AGREEMENT", "Services", "Provider", "Customer"),
    ("SOFTWARE LICENSE AGREEMENT", "Software", "Licensor", "Licensee"),
    ("SUPPLY AGREEMENT", "Products", "Supplier", "Buyer"),
    ("CONSULTING AGREEMENT", "Services", "Consultant", "Client"),
    ("DISTRIBUTION AGREEMENT", "Products", "Company", "Distributor"),
)
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_NUMBERS = {30: "thirty", 60: "sixty", 90: "ninety", 12: "twelve", 24: "twenty-four", 36: "thirty-six"}
_STREETS = ("Market Street", "Commerce Drive", "Harbor Boulevard", "Main Street", "Technology Parkway")

_FILLER = (
    "{a} shall perform its obligations under this Agreement in a diligent and workmanlike manner, in accordance "
    "with generally accepted industry standards and all applicable laws, rules and regulations.",
    "Each party shall designate a representative who shall be responsible for coordinating the activities of "
    "that party under this Agreement and who shall meet with the other party's representative at least once "
    "each calendar quarter to review performance, forecasts and any open issues.",
    "{b} shall provide {a} with timely access to such information, personnel and facilities as {a} may "
    "reasonably request in order to perform its obligations, and {a} shall not be liable for any delay caused "
    "by {b}'s failure to do so.",
    "All notices under this Agreement shall be in writing and shall be deemed given when delivered personally, "
    "one business day after deposit with a recognized overnight courier, or three business days after mailing "
    "by certified mail, return receipt requested, to the address set forth in the preamble.",
    "{a} shall maintain complete and accurate records relating to the {thing} provided under this Agreement "
    "for a period of not less than three years following the year to which such records relate.",
    "Neither party shall be liable for any failure or delay in performance caused by events beyond its "
    "reasonable control, including acts of God, fire, flood, war, terrorism, labor disputes, epidemics or "
    "governmental action, provided that the affected party gives prompt notice and uses reasonable efforts "
    "to resume performance.",
    "This Agreement, together with its exhibits and any statements of work executed hereunder, constitutes "
    "the entire agreement between the parties with respect to its subject matter and supersedes all prior "
    "and contemporaneous understandings, whether written or oral.",
    "No amendment or waiver of any provision of this Agreement shall be effective unless in writing and signed "
    "by both parties. No failure or delay in exercising any right shall operate as a waiver thereof.",
    "If any provision of this Agreement is held invalid or unenforceable, the remaining provisions shall "
    "remain in full force and effect, and the invalid provision shall be replaced by a valid provision that "
    "most closely reflects the parties' original intent.",
    "{a} shall deliver the {thing} described in each order in accordance with the delivery schedule set forth "
    "therein. Title and risk of loss shall pass to {b} upon delivery to the destination specified in the "
    "applicable order.",
    "The parties are independent contractors. Nothing in this Agreement shall be construed to create a "
    "partnership, joint venture, agency or employment relationship between the parties.",
    "{b} may request changes to the scope of the {thing} by written change request. {a} shall respond within "
    "ten business days with an estimate of the effect of the change on fees and schedule, and no change shall "
    "be binding until documented in a change order signed by both parties.",
    "Each party shall comply with all applicable export control and economic sanctions laws in connection with "
    "its performance under this Agreement and shall not export or re-export any technical data except in "
    "compliance with such laws.",
    "{a} shall maintain, at its own expense, commercial general liability insurance with limits of not less "
    "than two million dollars per occurrence and shall furnish certificates of insurance upon request.",
)


@dataclass(frozen=True)
class Parties:
    a_name: str
    a_short: str
    a_kind: str
    a_state: str
    b_name: str
    b_short: str
    b_kind: str
    b_state: str


@dataclass(frozen=True)
class Contract:
    title: str
    pages: list[str]


def contract(seed: int, pages: int) -> Contract:
    """A contract of about `pages` pages of PAGE_CHARS characters, the same for the same seed."""
    rng = random.Random(seed)
    title, thing, a_role, b_role = rng.choice(_TITLES)
    parties = _parties(rng, a_role, b_role)
    head, sections, signature = _clauses(rng, title, thing, parties, seed)
    size = sum(len(p) + 2 for p in [*head, *sections, signature])
    subsections: list[list[str]] = [[] for _ in sections]
    while size < pages * PAGE_CHARS * 0.88:
        number = rng.randrange(len(sections))
        text = f"{number + 1}.{len(subsections[number]) + 2} {_filler(rng, thing, parties)}"
        subsections[number].append(text)
        size += len(text) + 2
    body = [p for section, subs in zip(sections, subsections, strict=True) for p in (section, *subs)]
    return Contract(title, _paginate([*head, *body, signature]))


def _parties(rng: random.Random, a_role: str, b_role: str) -> Parties:
    first, second = rng.sample(_COMPANIES, 2)
    (a_suffix, a_kind), (b_suffix, b_kind) = rng.choice(_SUFFIXES), rng.choice(_SUFFIXES)
    return Parties(
        f"{first} {a_suffix}", a_role, a_kind, rng.choice(_STATES),
        f"{second} {b_suffix}", b_role, b_kind, rng.choice(_STATES),
    )  # fmt: skip


def _date(rng: random.Random) -> str:
    return f"{rng.choice(_MONTHS)} {rng.randint(1, 28)}, {rng.randint(2016, 2025)}"


def _clauses(
    rng: random.Random, title: str, thing: str, p: Parties, seed: int
) -> tuple[list[str], list[str], str]:
    """The heading and preamble, the numbered sections, and the signature block."""
    a, b = p.a_short, p.b_short
    street = f"{rng.randint(100, 9999)} {rng.choice(_STREETS)}"
    initial = rng.choice((12, 24, 36))
    renewal = rng.choice((12, 24))
    notice = rng.choice((30, 60, 90))
    cure = rng.choice((30, 60))
    net = rng.choice((30, 45, 60))
    fee = rng.randrange(25_000, 2_500_000, 5_000)
    law = rng.choice(_STATES)
    years = rng.choice((2, 3, 5))
    head = [
        title,
        f"Agreement No. {seed:06d}",
        f'This {title.title()} (the "Agreement") is entered into as of {_date(rng)} (the "Effective Date") by '
        f"and between {p.a_name}, a {p.a_state} {p.a_kind} with its principal office at {street} "
        f'("{a}"), and {p.b_name}, a {p.b_state} {p.b_kind} ("{b}").',
        f"WHEREAS, {a} is in the business of providing {thing.lower()} of the kind described herein; and "
        f"WHEREAS, {b} wishes to obtain such {thing.lower()} from {a} on the terms and conditions set forth "
        "below; NOW, THEREFORE, in consideration of the mutual covenants herein, the parties agree as follows.",
    ]
    sections = [
        f"1. PAYMENT. {b} shall pay {a} the fees set forth in Exhibit A, not to exceed ${fee:,} in any contract "
        f"year. {a} shall invoice {b} monthly in arrears, and {b} shall pay each undisputed invoice within "
        f"{_NUMBERS.get(net, str(net))} ({net}) days of receipt. Late payments shall bear interest at the "
        "lesser of one percent (1%) per month or the maximum rate permitted by law.",
        f"2. TERM AND RENEWAL. This Agreement shall commence on the Effective Date and continue for an initial "
        f"term of {_NUMBERS[initial]} ({initial}) months. Thereafter this Agreement shall automatically renew "
        f"for successive renewal terms of {_NUMBERS[renewal]} ({renewal}) months each, unless either party "
        f"gives written notice of non-renewal at least {_NUMBERS[notice]} ({notice}) days before the end of "
        "the then-current term.",
        f"3. TERMINATION. Either party may terminate this Agreement for convenience upon "
        f"{_NUMBERS[notice]} ({notice}) days' prior written notice to the other party. Either party may "
        f"terminate this Agreement immediately if the other party materially breaches it and fails to cure "
        f"the breach within {_NUMBERS[cure]} ({cure}) days after written notice, or becomes insolvent.",
        f"4. CONFIDENTIALITY. Each party shall hold the Confidential Information of the other party in strict "
        f"confidence, shall not disclose it to any third party, and shall use it solely to perform this "
        f"Agreement. These obligations survive for {years} years after termination or expiration.",
        f"5. LIMITATION OF LIABILITY. IN NO EVENT SHALL EITHER PARTY BE LIABLE FOR ANY INDIRECT, INCIDENTAL, "
        f"CONSEQUENTIAL OR PUNITIVE DAMAGES. EACH PARTY'S AGGREGATE LIABILITY UNDER THIS AGREEMENT SHALL NOT "
        f"EXCEED THE FEES PAID BY {b.upper()} IN THE TWELVE (12) MONTHS PRECEDING THE CLAIM.",
        f"6. INDEMNIFICATION. {a} shall indemnify, defend and hold harmless {b} from and against any and all "
        "third-party claims, losses and expenses, including reasonable attorneys' fees, arising out of any "
        f"claim that the {thing.lower()} infringe any patent, copyright or trade secret of a third party.",
        f"7. GOVERNING LAW. This Agreement shall be governed by and construed in accordance with the laws of "
        f"the State of {law}, without regard to its conflict of laws principles. The parties submit to the "
        f"exclusive jurisdiction of the state and federal courts located in {law}.",
    ]
    signature = (
        f"IN WITNESS WHEREOF, the parties have executed this Agreement as of the Effective Date. {p.a_name}: "
        f"By: ____________ Name: ____________ Title: ____________. {p.b_name}: By: ____________ Name: "
        "____________ Title: ____________."
    )
    return head, sections, signature


def _filler(rng: random.Random, thing: str, p: Parties) -> str:
    return rng.choice(_FILLER).format(a=p.a_short, b=p.b_short, thing=thing.lower())


def _paginate(paragraphs: list[str]) -> list[str]:
    pages: list[str] = []
    current: list[str] = []
    size = 0
    for paragraph in paragraphs:
        if current and size + len(paragraph) > PAGE_CHARS:
            pages.append("\n\n".join(current))
            current, size = [], 0
        current.append(paragraph)
        size += len(paragraph) + 2
    pages.append("\n\n".join(current))
    return pages


# --- writers -----------------------------------------------------------------------------------------------


def write_txt(path: Path, pages: list[str]) -> None:
    """Pages separated by form feeds, which worker.extract honours as page breaks."""
    path.write_text("\n\f".join(pages) + "\n", encoding="utf-8")


def write_docx(path: Path, pages: list[str]) -> None:
    document = docx.Document()
    for number, page in enumerate(pages):
        if number:
            document.add_page_break()
        for paragraph in page.split("\n\n"):
            document.add_paragraph(paragraph)
    document.save(str(path))


_PDF_FONT_SIZE = 10
_PDF_LEADING = 12
_PDF_LINE_CHARS = 92  # Helvetica 10 pt averages ~5 pt a character: 92 fit in 6.5 inches
_PDF_LINES = 54  # (792 - 2 * 72) / 12


def write_pdf(path: Path, pages: list[str]) -> None:
    """A US Letter PDF with a Helvetica text layer, a PDF page (or more, if it overflows) per page."""
    streams = [_pdf_page_stream(lines) for page in pages for lines in _pdf_page_lines(page)]
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(streams)))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(streams)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for i, stream in enumerate(streams):
        page = (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {5 + 2 * i} 0 R >>"
        )
        packed = zlib.compress(stream)
        objects.append(page.encode())
        objects.append(
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(packed), packed)
        )
    path.write_bytes(_pdf_file(objects))


def _pdf_page_lines(page: str) -> list[list[str]]:
    lines: list[str] = []
    for paragraph in page.split("\n\n"):
        lines.extend(textwrap.wrap(paragraph, _PDF_LINE_CHARS) or [""])
        lines.append("")
    return [lines[i : i + _PDF_LINES] for i in range(0, len(lines), _PDF_LINES)]


def _pdf_page_stream(lines: list[str]) -> bytes:
    ops = [f"BT /F1 {_PDF_FONT_SIZE} Tf {_PDF_LEADING} TL 72 720 Td"]
    ops += [f"({_pdf_escape(line)}) Tj T*" for line in lines]
    ops.append("ET")
    return "\n".join(ops).encode("cp1252", errors="replace")


def _pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _pdf_file(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


_WRITERS: dict[str, Callable[[Path, list[str]], None]] = {
    "pdf": write_pdf,
    "docx": write_docx,
    "txt": write_txt,
}


def write_corpus(
    folder: Path, count: int, *, seed: int = 1, min_pages: int = 2, max_pages: int = 10
) -> list[Path]:
    """`count` distinct contracts of min..max pages, cycling PDF, DOCX and TXT (a third each)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paths = []
    for number in range(count):
        kind = FORMATS[number % len(FORMATS)]
        made = contract(seed * 1_000_003 + number, rng.randint(min_pages, max_pages))
        path = folder / f"contract-{number:04d}.{kind}"
        _WRITERS[kind](path, made.pages)
        paths.append(path)
    return paths


def write_big_txt(path: Path, size_bytes: int, *, seed: int = 7) -> None:
    """One long plain-text contract of about `size_bytes` (its 10-page parts joined), distinct per seed."""
    parts: list[str] = []
    total = 0
    number = 0
    while total < size_bytes:
        text = "\n\f".join(contract(seed * 7919 + number, 10).pages)
        parts.append(text)
        total += len(text) + 2
        number += 1
    path.write_text("\n\f".join(parts)[:size_bytes], encoding="utf-8")
