"""Excel workbooks for the funder: reach, costs, and the separate per-person list.

Numbers are numbers, dates are dates (dd/mm/yyyy), money is euros with two
decimals; every sheet has a frozen, bold header row and sensible column widths.
Headings go through gettext at writing time, so the workbook speaks the UI's
language. Files are written to a temporary name and moved in place, so a crash
or a cancel never leaves half a workbook behind.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.borrowers import target_group_names
from app.helpdesk import outcome_names, topic_names  # the helpdesk screen's own labels
from app.i18n import _
from app.reports.costs import CostReport, CostRow
from app.reports.reach import PersonRow, ReachReport, location_kind_names

log = logging.getLogger(__name__)

DATE_FORMAT = "dd/mm/yyyy"
EURO_FORMAT = '"€" #,##0.00'
COUNT_FORMAT = "#,##0"
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
TITLE_FONT = Font(bold=True, size=14)

Progress = Callable[[int, str], None]


def _noop(_percent: int, _message: str) -> None:
    return None


_TITLE_CHARS = str.maketrans({"[": "(", "]": ")", ":": "-", "*": "-", "?": "", "/": "-", "\\": "-"})


def sheet_title(text: str) -> str:
    """A translated heading made valid as a sheet name (no []:*?/\\, at most 31 characters)."""
    return (text.translate(_TITLE_CHARS).strip("'") or "-")[:31]


def _euros(cents: int) -> float:
    return round(cents / 100, 2)


def text_not_formulas(workbook: Workbook) -> None:
    """openpyxl turns any text starting with '=' into a formula: a name someone typed
    (=HYPERLINK(...)) would run as one in Excel. The program writes no formulas itself,
    so every such cell is made a plain string cell (its text stays exactly as typed)."""
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


def atomic_save(workbook: Workbook, path: str | Path) -> Path:
    """Save next to the target, then rename over it (atomic on one file system)."""
    text_not_formulas(workbook)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".xlsx.tmp", dir=target.parent)
    os.close(fd)
    try:
        workbook.save(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _table(
    ws: Worksheet,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    formats: dict[int, str] | None = None,
    first_row: int = 1,
) -> None:
    """Header at `first_row` (frozen), rows below, number formats per column index (0-based)."""
    formats = formats or {}
    for col, text in enumerate(headers, start=1):
        cell = ws.cell(row=first_row, column=col, value=text)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r, values in enumerate(rows, start=first_row + 1):
        for c, value in enumerate(values):
            cell = ws.cell(row=r, column=c + 1, value=value)
            if c in formats:
                cell.number_format = formats[c]
            elif isinstance(value, int) and not isinstance(value, bool):
                cell.number_format = COUNT_FORMAT
    ws.freeze_panes = ws.cell(row=first_row + 1, column=1)
    _fit_columns(ws)


def _fit_columns(ws: Worksheet, minimum: int = 8, maximum: int = 60) -> None:
    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            if isinstance(cell.value, dt.date):
                length = 10
            elif isinstance(cell.value, float):
                length = len(f"{cell.value:,.2f}") + 2
            else:
                length = max(len(line) for line in str(cell.value).splitlines() or [""])
            widths[cell.column] = max(widths.get(cell.column, 0), length)
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = max(minimum, min(maximum, width + 2))


def _period_header(ws: Worksheet, title: str, report_period: Any) -> int:
    """Title, period and creation date on top of a summary sheet; returns the next free row."""
    ws.cell(row=1, column=1, value=title).font = TITLE_FONT
    ws.cell(row=2, column=1, value=_("Van"))
    ws.cell(row=2, column=2, value=report_period.start).number_format = DATE_FORMAT
    ws.cell(row=3, column=1, value=_("Tot en met"))
    ws.cell(row=3, column=2, value=report_period.end).number_format = DATE_FORMAT
    ws.cell(row=4, column=1, value=_("Gemaakt op"))
    ws.cell(row=4, column=2, value=dt.date.today()).number_format = DATE_FORMAT
    return 6


def reach_definitions() -> list[tuple[str, str]]:
    return [
        (
            _("Uniek bereikte persoon"),
            _(
                "Een ingeschreven persoon die in de periode een toestel leende (start van de uitlening), "
                "aanwezig was op een opleiding of geholpen werd aan de helpdesk. Elke persoon telt één "
                "keer, ook wie meerdere dingen deed."
            ),
        ),
        (
            _("Anoniem helpdeskbezoek"),
            _(
                "Een helpdeskbezoek zonder ingeschreven persoon. Telt als bezoek, niet als persoon; "
                "het telt mee in de gemeente en provincie van de opgegeven postcode."
            ),
        ),
        (
            _("Vrije instapper"),
            _("Iemand die zonder inschrijving aan een opleiding deelnam. Telt apart, niet als persoon."),
        ),
        (
            _("Gemeente en provincie"),
            _(
                "De gemeente van de persoon (gekozen bij de inschrijving, anders volgens de postcode) "
                "met haar NIS-code van Statbel, zoals op 1 januari 2025: wie nog met een gemeente van "
                "voor de fusies staat (bv. Zwijndrecht, Borsbeek, Melle) telt bij de gefuseerde "
                "gemeente. De provincie volgt uit de NIS-code van de gemeente, niet uit de postcode."
            ),
        ),
        (
            _("Bewijs, doorverwijzer en leeftijd"),
            _(
                "Het soort bewijs dat aan de balie gecontroleerd werd (nooit het bewijs zelf), wie de "
                "persoon doorverwees, en de leeftijdsgroep op het einde van de periode (uit het "
                "geboortejaar, of de groep die opgegeven werd)."
            ),
        ),
        (
            _("Locatie"),
            _(
                "De balie of bus waar de uitlening startte, de opleiding plaatsvond of het "
                "helpdeskbezoek gebeurde. Wie op twee locaties bereikt werd, telt bij elk van "
                "beide één keer, en in het totaal één keer."
            ),
        ),
        (
            _("Gestarte uitleningen"),
            _("Uitleningen waarvan het toestel in de periode werd meegegeven."),
        ),
        (
            _("Lopende uitleningen op de einddatum"),
            _("Uitleningen die vóór het einde van de periode startten en toen nog niet terug waren."),
        ),
        (
            _("Weggeschonken toestellen"),
            _("Toestellen met een schenkingsdatum in de periode."),
        ),
        (
            _("Periode"),
            _("Begin- en einddatum tellen allebei mee, de volledige dag (van 00:00 tot en met 23:59)."),
        ),
        (
            _("Gewiste personen"),
            _(
                "Personen van wie de gegevens gewist zijn (AVG) tellen nog mee: hun postcode, "
                "provincie en doelgroep blijven bewaard. Verwijderde gegevens tellen nooit mee."
            ),
        ),
        (
            _("Privacy"),
            _("Dit rapport bevat alleen aantallen, nooit namen."),
        ),
    ]


def _definitions_sheet(wb: Workbook, items: Sequence[tuple[str, str]]) -> None:
    ws = wb.create_sheet(sheet_title(_("Definities")))
    _table(ws, [_("Begrip"), _("Betekenis")], items)
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 100
    for row in ws.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")


def build_reach_workbook(report: ReachReport, progress: Progress = _noop) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(_("Samenvatting"))
    row = _period_header(ws, _("Bereik van de digibank"), report.period)
    figures: list[tuple[str, int]] = [
        (_("Uniek bereikte personen"), report.people),
        (_("waarvan ontleners"), report.borrowers),
        (_("waarvan deelnemers aan een opleiding"), report.trainees),
        (_("waarvan geholpen aan de helpdesk (ingeschreven)"), report.helpdesk_people),
        (_("Anonieme helpdeskbezoeken"), report.anonymous_visits),
        (_("Vrije instappers bij opleidingen"), report.walk_ins),
        (_("Gestarte uitleningen"), report.loans_started),
        (_("Lopende uitleningen op de einddatum"), report.loans_active_at_end),
        (_("Weggeschonken toestellen"), report.devices_given_away),
        (_("Opleidingssessies"), report.sessions),
        (_("Aanwezigheden op opleidingen"), report.attendances),
        (_("Helpdeskbezoeken"), report.helpdesk_visits),
    ]
    _table(ws, [_("Kerncijfer"), _("Aantal")], figures, first_row=row)
    province_row = row + len(figures) + 3
    provinces = [(p.name, p.people, p.anonymous_visits) for p in report.by_province]
    for col, text in enumerate([_("Provincie"), _("Unieke personen"), _("Anonieme helpdeskbezoeken")], 1):
        cell = ws.cell(row=province_row, column=col, value=text)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for r, values in enumerate(provinces, start=province_row + 1):
        for c, value in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=value)
    _fit_columns(ws)
    if provinces:
        chart = BarChart()
        chart.type = "bar"
        chart.style = 10
        chart.title = _("Unieke personen per provincie")
        chart.y_axis.title = _("Personen")
        chart.x_axis.title = _("Provincie")
        chart.legend = None
        # openpyxl 3.1 leaves `delete` unset, and Excel/LibreOffice then hide both axes.
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.x_axis.scaling.orientation = "maxMin"  # biggest province on top, as in the table
        data = Reference(ws, min_col=2, min_row=province_row, max_row=province_row + len(provinces))
        labels = Reference(ws, min_col=1, min_row=province_row + 1, max_row=province_row + len(provinces))
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(labels)
        chart.height = 7 + 0.5 * len(provinces)
        chart.width = 16
        ws.add_chart(chart, "D6")
    progress(70, _("Blad per gemeente"))

    ws = wb.create_sheet(sheet_title(_("Per gemeente")))
    _table(
        ws,
        [
            _("Gemeente"),
            _("NIS-code"),
            _("Postcodes"),
            _("Provincie"),
            _("Unieke personen"),
            _("Ontleners"),
            _("Deelnemers opleiding"),
            _("Geholpen aan helpdesk"),
            _("Anonieme helpdeskbezoeken"),
        ],
        [
            (
                m.name,
                m.nis,
                ", ".join(m.postcodes),
                _province_label(report, m.province),
                m.people,
                m.borrowers,
                m.trainees,
                m.helpdesk_people,
                m.anonymous_visits,
            )
            for m in report.by_municipality
        ],
    )
    ws = wb.create_sheet(sheet_title(_("Per provincie")))
    _table(
        ws,
        [
            _("Provincie"),
            _("Unieke personen"),
            _("Ontleners"),
            _("Deelnemers opleiding"),
            _("Geholpen aan helpdesk"),
            _("Anonieme helpdeskbezoeken"),
        ],
        [
            (p.name, p.people, p.borrowers, p.trainees, p.helpdesk_people, p.anonymous_visits)
            for p in report.by_province
        ],
    )
    progress(80, _("Blad per doelgroep en locatie"))
    ws = wb.create_sheet(sheet_title(_("Per doelgroep")))
    _table(ws, [_("Doelgroep"), _("Unieke personen")], [(g.name, g.people) for g in report.by_target_group])
    for title, header, rows in (
        (_("Per bewijs"), _("Bewijs van recht"), report.by_proof),
        (_("Per doorverwijzer"), _("Doorverwezen door"), report.by_referrer),
        (_("Per leeftijd"), _("Leeftijdsgroep"), report.by_age_band),
    ):
        ws = wb.create_sheet(sheet_title(title))
        _table(ws, [header, _("Unieke personen")], [(g.name, g.people) for g in rows])
    kinds = location_kind_names()
    ws = wb.create_sheet(sheet_title(_("Per locatie")))
    _table(
        ws,
        [
            _("Code"),
            _("Locatie"),
            _("Soort"),
            _("Unieke personen"),
            _("Gestarte uitleningen"),
            _("Lopende uitleningen op de einddatum"),
            _("Weggeschonken toestellen"),
            _("Opleidingssessies"),
            _("Aanwezigheden"),
            _("Vrije instappers"),
            _("Helpdeskbezoeken"),
            _("waarvan anoniem"),
        ],
        [
            (
                loc.code,
                loc.name,
                kinds.get(loc.kind, loc.kind),
                loc.people,
                loc.loans_started,
                loc.loans_active_at_end,
                loc.devices_given_away,
                loc.sessions,
                loc.attendances,
                loc.walk_ins,
                loc.helpdesk_visits,
                loc.anonymous_visits,
            )
            for loc in report.by_location
        ],
    )
    ws = wb.create_sheet(sheet_title(_("Helpdesk")))
    topics, outcomes = topic_names(), outcome_names()
    _table(
        ws,
        [_("Onderwerp"), _("Bezoeken")],
        [(topics.get(t, t), n) for t, n in sorted(report.helpdesk_by_topic.items(), key=lambda i: -i[1])],
    )
    start = len(report.helpdesk_by_topic) + 3
    for col, text in enumerate([_("Resultaat"), _("Bezoeken")], start=1):
        cell = ws.cell(row=start, column=col, value=text)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for r, (code, n) in enumerate(report.helpdesk_by_outcome.items(), start=start + 1):
        ws.cell(row=r, column=1, value=outcomes.get(code, code))
        ws.cell(row=r, column=2, value=n)
    _definitions_sheet(wb, reach_definitions())
    progress(90, _("Werkmap opslaan"))
    return wb


def _province_label(report: ReachReport, code: str) -> str:
    for p in report.by_province:
        if p.province == code:
            return p.name
    return code


def write_reach_xlsx(report: ReachReport, path: str | Path, progress: Progress = _noop) -> Path:
    target = atomic_save(build_reach_workbook(report, progress), path)
    progress(100, _("Klaar"))
    log.info("reach report %s..%s written to %s", report.period.start, report.period.end, target)
    return target


def _cost_rows(rows: Sequence[CostRow]) -> list[tuple[Any, ...]]:
    return [
        (
            r.name,
            r.devices,
            _euros(r.acquisition_cents),
            r.repairs,
            _euros(r.repair_cents),
            _euros(r.total_cents),
        )
        for r in rows
    ]


def write_cost_xlsx(report: CostReport, path: str | Path, progress: Progress = _noop) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(_("Samenvatting"))
    row = _period_header(ws, _("Kosten van de digibank"), report.period)
    money = {1: EURO_FORMAT}
    _table(
        ws,
        [_("Kost"), _("Bedrag"), _("Aantal")],
        [
            (_("Aankoop van toestellen"), _euros(report.acquisition_cents), report.devices),
            (_("Herstellingen"), _euros(report.repair_cents), report.repairs),
            (_("Totaal"), _euros(report.total_cents), report.devices + report.repairs),
            # Not costs: money held for the borrowers, shown under the total, never in it.
            (_("Waarborgen ontvangen"), _euros(report.deposits_collected_cents), None),
            (_("Waarborgen vrijgesteld"), None, report.deposits_waived),
            (_("Waarborgen terugbetaald"), _euros(report.deposits_refunded_cents), None),
            (_("Waarborgen ingehouden"), _euros(report.deposits_kept_cents), None),
        ],
        formats=money,
        first_row=row,
    )
    progress(60, _("Blad per soort toestel"))
    headers = [
        "",
        _("Toestellen binnengekomen"),
        _("Aankoopkost"),
        _("Herstellingen"),
        _("Herstelkost"),
        _("Totaal"),
    ]
    formats = {2: EURO_FORMAT, 4: EURO_FORMAT, 5: EURO_FORMAT}
    ws = wb.create_sheet(sheet_title(_("Per soort toestel")))
    _table(ws, [_("Soort toestel"), *headers[1:]], _cost_rows(report.by_kind), formats)
    ws = wb.create_sheet(sheet_title(_("Per locatie")))
    _table(ws, [_("Locatie"), *headers[1:]], _cost_rows(report.by_location), formats)
    _definitions_sheet(
        wb,
        [
            (_("Aankoopkost"), _("De aankoopprijs van toestellen met een intakedatum in de periode.")),
            (_("Herstelkost"), _("De kost van herstellingen uitgevoerd in de periode.")),
            (_("Periode"), _("Begin- en einddatum tellen allebei mee.")),
            (_("Bedragen"), _("In euro, inclusief btw zoals ingegeven.")),
        ],
    )
    target = atomic_save(wb, path)
    progress(100, _("Klaar"))
    return target


def write_people_xlsx(rows: Sequence[PersonRow], period: Any, path: str | Path) -> Path:
    """The per-person list (names!): only on explicit request, never part of a report."""
    groups = target_group_names()
    yes, no = _("ja"), _("nee")
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(_("Personen"))
    _table(
        ws,
        [
            _("Kaart"),
            _("Voornaam"),
            _("Familienaam"),
            _("Postcode"),
            _("Gemeente"),
            _("Doelgroep"),
            _("Leende"),
            _("Opleiding"),
            _("Helpdesk"),
            _("Gewist"),
        ],
        [
            (
                p.card_number,
                p.first_name,
                p.last_name,
                p.postcode,
                p.municipality,
                groups.get(p.target_group, p.target_group),
                yes if p.lent else no,
                yes if p.trained else no,
                yes if p.helped else no,
                yes if p.erased else no,
            )
            for p in rows
        ],
    )
    info = wb.create_sheet(sheet_title(_("Periode")))
    info.cell(row=1, column=1, value=_("Van"))
    info.cell(row=1, column=2, value=period.start).number_format = DATE_FORMAT
    info.cell(row=2, column=1, value=_("Tot en met"))
    info.cell(row=2, column=2, value=period.end).number_format = DATE_FORMAT
    info.cell(row=3, column=1, value=_("Let op: deze lijst bevat persoonsgegevens. Bewaar en deel ze niet."))
    return atomic_save(wb, path)
