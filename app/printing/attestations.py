"""Training papers: the attendance list of one session and the participation
attestation a person gets after a series. reportlab on A4, written atomically."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from pathlib import Path

from reportlab.lib.units import mm

from app.borrowers import full_name
from app.errors import UserError
from app.formatting import date_be, datetime_be
from app.i18n import _
from app.printing.certificates import Column, Document, location_line
from app.printing.pdf import atomic_output, document_language, use_language
from app.trainings import RegistrationRow, SeriesParticipation, SessionSummary, registration_state_names
from db.models import Location

log = logging.getLogger(__name__)


def _session_line(summary: SessionSummary) -> str:
    t = summary.session
    if t.series:
        return _("{title} — {series}, deel {part} van {of}").format(
            title=t.title, series=t.series, part=t.series_part, of=t.series_size
        )
    return t.title


def render_attendance_list(
    summary: SessionSummary,
    rows: Sequence[RegistrationRow],
    location: Location | None,
    out: str | Path,
) -> Path:
    """Everyone registered (and on the waiting list), who was present, a signature column."""
    t = summary.session
    title = _("Aanwezigheidslijst")
    states = registration_state_names()
    with atomic_output(out) as tmp:
        doc = Document(tmp, f"{title} — {t.title}")
        doc.heading(title)
        doc.line(_session_line(summary), size=12, bold=True, gap=3 * mm)
        doc.label_value(_("Datum en uur"), f"{datetime_be(t.starts_at)} ({t.minutes} min.)")
        if t.place:
            doc.label_value(_("Plaats"), t.place)
        elif location is not None:
            doc.label_value(_("Plaats"), location_line(location))
        if t.trainer:
            doc.label_value(_("Lesgever"), t.trainer)
        doc.label_value(_("Sessienummer"), summary.short)
        doc.label_value(
            _("Aanwezig"),
            _("{cards} met kaart + {walk_ins} vrije deelnemers = {total} (capaciteit {capacity})").format(
                cards=summary.attended, walk_ins=t.walk_ins, total=summary.present, capacity=t.capacity
            ),
        )
        doc.y -= 3 * mm
        columns = [
            Column(_("Nr."), 0.06),
            Column(_("Naam"), 0.32),
            Column(_("Kaart"), 0.16),
            Column(_("Inschrijving"), 0.14),
            Column(_("Aanwezig"), 0.1),
            Column(_("Handtekening"), 0.22),
        ]
        doc.table_header(columns)
        listed = [r for r in rows if r.registration.state != "cancelled"]
        for i, row in enumerate(listed, start=1):
            b = row.borrower
            name = _("(gewist)") if b.erased else f"{b.last_name}, {b.first_name}"
            doc.table_row(
                [
                    str(i),
                    name,
                    b.card_number,
                    states.get(row.registration.state, row.registration.state),
                    _("ja") if row.attended else "",
                    "",
                ],
                columns,
            )
        if not listed:
            doc.line(_("Nog niemand ingeschreven."))
        doc.signature_lines([_("Handtekening lesgever")])
        doc.finish()
    log.info("attendance list of %s written to %s", t.id, out)
    return Path(out)


def render_attestation(
    participation: SeriesParticipation,
    location: Location | None,
    out: str | Path,
    issued_on: dt.date | None = None,
) -> Path:
    """The attestation in the participant's language, never half-translated."""
    with use_language(document_language(participation.borrower.language), strict=True):
        return _render_attestation(participation, location, out, issued_on)


def _render_attestation(
    participation: SeriesParticipation,
    location: Location | None,
    out: str | Path,
    issued_on: dt.date | None = None,
) -> Path:
    """Participation attestation for one person after a series: which sessions they attended."""
    attended = participation.attended
    person = participation.borrower
    if person.erased:
        raise UserError(_("Deze persoon is gewist: er kan geen attest meer gemaakt worden."))
    if not attended:
        raise UserError(
            _("{name} was op geen enkele sessie van '{series}' aanwezig: geen attest.").format(
                name=full_name(person), series=participation.series
            )
        )
    issued_on = issued_on or dt.date.today()
    total = len(participation.sessions)
    title = _("Deelnameattest")
    with atomic_output(out) as tmp:
        doc = Document(tmp, title)
        doc.heading(title, size=22)
        where = location.name if location is not None else _("de digibank")
        doc.paragraph(
            _("{where} verklaart dat").format(where=where),
            size=12,
        )
        doc.line(full_name(person), size=16, bold=True, gap=4 * mm)
        doc.paragraph(
            _(
                "deelnam aan de reeks \u201c{series}\u201d en op {n} van de {total} sessies aanwezig was:"
            ).format(series=participation.series, n=len(attended), total=total),
            size=12,
        )
        columns = [
            Column(_("Deel"), 0.1),
            Column(_("Datum"), 0.16),
            Column(_("Sessie"), 0.5),
            Column(_("Aanwezig"), 0.24),
        ]
        doc.table_header(columns)
        for session, present in participation.sessions:
            doc.table_row(
                [
                    str(session.series_part or ""),
                    date_be(session.starts_at),
                    session.title,
                    _("aanwezig") if present else _("afwezig"),
                ],
                columns,
            )
        doc.y -= 4 * mm
        trainers = sorted({t.trainer for t, _p in participation.sessions if t.trainer})
        if trainers:
            doc.label_value(_("Lesgever(s)"), ", ".join(trainers))
        if location is not None:
            doc.label_value(_("Digibank"), location_line(location))
        doc.line(_("Opgemaakt op {date}.").format(date=date_be(issued_on)))
        doc.signature_lines([_("Handtekening lesgever"), _("Handtekening digibank")])
        doc.finish()
    log.info("attestation for %s (%s) written to %s", person.card_number, participation.series, out)
    return Path(out)
