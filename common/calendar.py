"""The dated deadlines of an analysis as an iCalendar file (RFC 5545), for "add to calendar"."""

from __future__ import annotations

from datetime import datetime

import icalendar

from common.analysis import Analysis, DeadlineKind

PRODID = "-//Kraftd Docs//Contract deadlines//EN"

TITLES: dict[DeadlineKind, str] = {
    "effective": "Contract takes effect",
    "term_end": "Contract term ends",
    "renewal_notice": "Last day to give notice before renewal",
    "termination_notice": "Termination notice deadline",
    "payment": "Payment due",
    "other": "Contract deadline",
}


def deadlines_ics(analysis: Analysis, document_name: str, generated_at: datetime) -> bytes:
    """One all-day event per deadline the contract dates; undated notice periods have no day to put."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Deadlines: {document_name}")
    for number, deadline in enumerate(analysis.deadlines):
        if deadline.date is None:
            continue
        event = icalendar.Event()
        event.add("uid", f"{analysis.document_id}-{number}-{deadline.kind}@kraftd.io")
        event.add("dtstamp", generated_at)
        event.add("dtstart", deadline.date)
        event.add("summary", f"{TITLES[deadline.kind]}: {document_name}")
        event.add("description", deadline.text)
        calendar.add_component(event)
    return bytes(calendar.to_ical())
