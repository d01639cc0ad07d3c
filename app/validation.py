"""The field rules (db/rules.py) in the words of the counter: labels and sentences.

A refused value becomes one sentence that names the field as staff know it and the
limit ("Toebehoren is te lang: ten hoogste 200 tekens."). Widgets use `max_length`
to stop typing at the same limit the server applies.
"""

from __future__ import annotations

from app.i18n import _
from db import rules
from db.rules import Problem


def field_labels() -> dict[tuple[str, str], str]:
    """Dutch labels (message ids) per (table, field), translated at call time."""
    return {
        ("location", "code"): _("Locatiecode"),
        ("location", "name"): _("Naam van de locatie"),
        ("location", "kind"): _("Soort locatie"),
        ("location", "address"): _("Adres"),
        ("location", "postcode"): _("Postcode"),
        ("location", "municipality"): _("Gemeente"),
        ("location", "phone"): _("Telefoon"),
        ("location", "email"): _("E-mail"),
        ("donation", "number"): _("Schenkingsnummer"),
        ("donation", "donor_name"): _("Naam van de schenker"),
        ("donation", "donor_kind"): _("Soort schenker"),
        ("donation", "donor_contact"): _("Contact van de schenker"),
        ("donation", "received_on"): _("Ontvangen op"),
        ("donation", "item_count"): _("Aantal toestellen"),
        ("donation", "notes"): _("Opmerkingen"),
        ("device", "asset_tag"): _("Toestelnummer"),
        ("device", "kind"): _("Soort toestel"),
        ("device", "brand"): _("Merk"),
        ("device", "model"): _("Model"),
        ("device", "serial"): _("Serienummer"),
        ("device", "source"): _("Herkomst"),
        ("device", "intake_date"): _("Datum van ontvangst"),
        ("device", "status"): _("Status"),
        ("device", "acquisition_cost_cents"): _("Aankoopprijs"),
        ("device", "specs"): _("Specificaties"),
        ("device", "accessories"): _("Toebehoren"),
        ("device", "notes"): _("Opmerkingen"),
        ("device", "given_on"): _("Weggegeven op"),
        ("borrower", "card_number"): _("Kaartnummer"),
        ("borrower", "first_name"): _("Voornaam"),
        ("borrower", "last_name"): _("Familienaam"),
        ("borrower", "phone"): _("Telefoon"),
        ("borrower", "email"): _("E-mail"),
        ("borrower", "street"): _("Straat en huisnummer"),
        ("borrower", "postcode"): _("Postcode"),
        ("borrower", "municipality"): _("Gemeente"),
        ("borrower", "province"): _("Provincie"),
        ("borrower", "language"): _("Taal"),
        ("borrower", "target_group"): _("Doelgroep"),
        ("borrower", "eligibility_proof"): _("Bewijs van recht"),
        ("borrower", "consent_date"): _("Datum van toestemming"),
        ("borrower", "blocked_reason"): _("Reden van blokkering"),
        ("borrower", "notes"): _("Opmerkingen"),
        ("loan", "out_at"): _("Uitgeleend op"),
        ("loan", "in_at"): _("Teruggebracht op"),
        ("loan", "due_date"): _("Terug tegen"),
        ("loan", "state"): _("Stand van de uitlening"),
        ("loan", "deposit_cents"): _("Waarborg"),
        ("loan", "deposit_refunded_cents"): _("Terugbetaalde waarborg"),
        ("loan", "deposit_method"): _("Betaling van de waarborg"),
        ("loan", "deposit_reason"): _("Reden voor minder waarborg"),
        ("loan", "deposit_kept_reason"): _("Reden voor ingehouden waarborg"),
        ("loan", "extensions"): _("Aantal verlengingen"),
        ("loan", "contract_version"): _("Versie van het contract"),
        ("loan", "signature_png"): _("Handtekening"),
        ("loan", "condition_out"): _("Staat bij uitlenen"),
        ("loan", "condition_in"): _("Staat bij terugbrengen"),
        ("loan", "conflict"): _("Conflict"),
        ("data_wipe", "method"): _("Wismethode"),
        ("data_wipe", "tool"): _("Wisprogramma"),
        ("data_wipe", "started_at"): _("Wissen begonnen"),
        ("data_wipe", "ended_at"): _("Wissen klaar"),
        ("data_wipe", "result"): _("Resultaat van het wissen"),
        ("data_wipe", "technician"): _("Technicus"),
        ("data_wipe", "verified_by"): _("Nagekeken door"),
        ("data_wipe", "log_text"): _("Wislog"),
        ("repair", "done_on"): _("Hersteld op"),
        ("repair", "action"): _("Herstelling"),
        ("repair", "parts"): _("Onderdelen"),
        ("repair", "cost_cents"): _("Kosten"),
        ("repair", "minutes"): _("Minuten"),
        ("repair", "technician"): _("Technicus"),
        ("training_session", "title"): _("Titel"),
        ("training_session", "topic"): _("Onderwerp"),
        ("training_session", "series"): _("Reeks"),
        ("training_session", "series_part"): _("Deel van de reeks"),
        ("training_session", "series_size"): _("Aantal delen van de reeks"),
        ("training_session", "trainer"): _("Lesgever"),
        ("training_session", "place"): _("Plaats"),
        ("training_session", "starts_at"): _("Begin"),
        ("training_session", "minutes"): _("Duur in minuten"),
        ("training_session", "capacity"): _("Capaciteit"),
        ("training_session", "walk_ins"): _("Vrije deelnemers"),
        ("registration", "state"): _("Stand van de inschrijving"),
        ("registration", "registered_at"): _("Ingeschreven op"),
        ("attendance", "attended_at"): _("Aanwezig op"),
        ("helpdesk_visit", "visited_at"): _("Tijdstip van het bezoek"),
        ("helpdesk_visit", "topic"): _("Onderwerp"),
        ("helpdesk_visit", "minutes"): _("Duur in minuten"),
        ("helpdesk_visit", "outcome"): _("Uitkomst"),
        ("helpdesk_visit", "postcode"): _("Postcode"),
        ("helpdesk_visit", "notes"): _("Notitie"),
        ("waiting_list_entry", "device_kind"): _("Soort toestel"),
        ("waiting_list_entry", "priority"): _("Voorrang"),
        ("waiting_list_entry", "requested_on"): _("Gevraagd op"),
        ("waiting_list_entry", "state"): _("Stand op de wachtlijst"),
        ("waiting_list_entry", "notes"): _("Opmerkingen"),
        ("conflict_decision", "note"): _("Notitie"),
    }


def label(table: str, field: str) -> str:
    return field_labels().get((table, field)) or f"{table}.{field}"


def max_length(table: str, field: str) -> int:
    """The longest text a field takes (for QLineEdit.setMaxLength)."""
    limit = rules.rule(table, field).max_length
    return limit if limit is not None else rules.TEXT_MAX_LENGTH


def problem_message(problem: Problem) -> str:
    """One sentence naming the field and its limit; says what to do."""
    what = label(problem.table, problem.field)
    limit = problem.limit
    code = problem.code
    if code == rules.TOO_LONG:
        return _("{field} is te lang: ten hoogste {limit} tekens. Maak de tekst korter.").format(
            field=what, limit=limit
        )
    if code in (rules.REQUIRED, rules.NULL):
        return _("{field} is verplicht.").format(field=what)
    if code == rules.CHOICE:
        return _("{field}: kies uit {choices}.").format(field=what, choices=", ".join(map(str, limit)))
    if code == rules.TOO_SMALL:
        return _("{field} moet minstens {limit} zijn.").format(field=what, limit=limit)
    if code == rules.TOO_LARGE:
        return _("{field} mag ten hoogste {limit} zijn.").format(field=what, limit=limit)
    if code == rules.DATE:
        return _("{field}: geef een datum als JJJJ-MM-DD.").format(field=what)
    if code == rules.DATETIME:
        return _("{field}: geef datum en uur als JJJJ-MM-DD UU:MM.").format(field=what)
    if code == rules.UNICODE:
        return _("{field} bevat een teken dat niet bewaard kan worden; typ de tekst opnieuw.").format(
            field=what
        )
    if code == rules.JSON_DEPTH:
        return _("{field} is te diep genest (ten hoogste {limit} niveaus).").format(field=what, limit=limit)
    if code == rules.JSON_SIZE:
        return _("{field} is te groot (ten hoogste {limit} bytes).").format(field=what, limit=limit)
    return _("{field} heeft een ongeldige waarde.").format(field=what)
