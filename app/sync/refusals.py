"""Changes the server refused or held, told in plain Dutch with what to do.

Shared by `digibank sync`, `digibank conflicts`, the status bar and the Conflicten tab,
so staff read the same sentence everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.i18n import _
from app.sync.outbox import RefusedChange, refused_changes
from db.base import model_for_table

# The column that names a record for a person, where a table has one.
_LABEL_COLUMNS = {
    "device": "asset_tag",
    "borrower": "card_number",
    "donation": "number",
    "training_session": "title",
    "location": "code",
}


def table_name(table: str) -> str:
    names = {
        "attendance": _("aanwezigheid"),
        "borrower": _("ontlener"),
        "data_wipe": _("wisbeurt"),
        "device": _("toestel"),
        "donation": _("schenking"),
        "helpdesk_visit": _("helpdeskbezoek"),
        "loan": _("uitlening"),
        "location": _("locatie"),
        "registration": _("inschrijving"),
        "repair": _("herstelling"),
        "training_session": _("opleiding"),
        "waiting_list_entry": _("wachtlijst"),
    }
    return names.get(table, table)


def reason_text(reason: str, detail: str = "") -> str:
    """Why the server refused, in plain Dutch."""
    if reason in ("bad-value", "too-large"):
        return _("de server aanvaardt een waarde niet ({detail})").format(detail=detail or reason)
    if reason == "incomplete":
        return _("de server kent dit record niet volledig (het aanmaken werd eerder geweigerd)")
    if reason == "needs-coordinator":
        return _("wissen of verwijderen mag enkel met een coördinatorsleutel van de server")
    if reason == "open-loan":
        return _("deze persoon heeft volgens de server nog een toestel in bruikleen")
    if reason == "on-loan":
        return _("dit toestel is volgens de server nog uitgeleend")
    if reason == "tombstone-final":
        return _("dit werd meer dan 30 dagen geleden verwijderd; herstellen kan niet meer")
    return _("de server weigert deze wijziging ({reason})").format(reason=(detail or reason))


def what_to_do(reason: str) -> str:
    if reason in ("bad-value", "incomplete", "too-large"):
        return _("Pas het record aan en bewaar het; de verbeterde wijziging wordt dan verstuurd.")
    if reason == "needs-coordinator":
        return _(
            "Laat een coördinator dit doen op een pc met een coördinatorsleutel; op de andere "
            "balies blijft het record tot dan bestaan."
        )
    if reason in ("open-loan", "on-loan"):
        return _("Registreer eerst de terugbreng en synchroniseer; wis of verwijder daarna opnieuw.")
    return _("Werk Digibank Balie bij of vraag raad aan de beheerder; de wijziging blijft bewaard.")


def clock_offset_text(skew_ms: int) -> str:
    """How far the clock is off, in the unit a person would use."""
    minutes = round(abs(skew_ms) / 60000)
    if minutes < 120:
        return _("{n} min").format(n=minutes)
    hours = round(minutes / 60)
    if hours < 48:
        return _("{n} uur").format(n=hours)
    return _("{n} dagen").format(n=round(hours / 24))


def summary_line(refused: int) -> str:
    return _(
        "{n} wijziging(en) geweigerd door de server: pas die records aan (zie 'digibank conflicts'); "
        "de verbeterde wijziging wordt dan verstuurd."
    ).format(n=refused)


def held_line(held: int) -> str:
    return _(
        "{n} wijziging(en) tegengehouden omdat de klok van deze computer voorloopt: "
        "zet datum en uur juist en synchroniseer opnieuw."
    ).format(n=held)


@dataclass(frozen=True)
class RefusedView:
    seq: int
    what: str  # e.g. "toestel KRT-000012 (accessories)"
    reason: str  # plain Dutch
    todo: str
    code: str  # the server's reason code
    table: str
    row_id: str


def _label(session: Session, change: RefusedChange) -> str:
    column = _LABEL_COLUMNS.get(change.table)
    model = model_for_table(change.table)
    name = ""
    if column and model is not None:
        name = session.scalar(select(getattr(model, column)).where(model.id == change.row_id)) or ""
    return f"{table_name(change.table)} {name or change.row_id[:8]}"


def refused_views(sessions: sessionmaker[Session], limit: int = 500) -> list[RefusedView]:
    with sessions() as s:
        out = []
        for c in refused_changes(s, limit=limit):
            what = _label(s, c)
            names = [f for f in c.fields if f not in ("created_at", "deleted")]
            if "created_at" in c.fields:
                what += " " + _("(nieuw)")
            elif names and c.reason != "incomplete":
                shown = ", ".join(names[:4]) + (", …" if len(names) > 4 else "")
                what += f" ({shown})"
            out.append(
                RefusedView(
                    c.seq,
                    what,
                    reason_text(c.reason, c.detail),
                    what_to_do(c.reason),
                    c.reason,
                    c.table,
                    c.row_id,
                )
            )
        return out


def set_aside_line(count: int) -> str:
    """One line for changes received from the server that this counter cannot store."""
    return _(
        "Let op: {n} ontvangen wijziging(en) konden hier niet verwerkt worden en liggen apart; ze "
        "worden bij elke synchronisatie opnieuw geprobeerd. Blijft dit, werk het programma bij of "
        "bel de beheerder."
    ).format(n=count)
