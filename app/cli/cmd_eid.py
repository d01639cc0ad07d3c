"""`digibank eid read`: what the Belgian eID in the reader says (never the national number)."""

from __future__ import annotations

import argparse
import sys

from app import eid
from app.cli.output import add_json_flag, emit_json
from app.context import AppContext
from app.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("eid", help=_("de Belgische eID in de kaartlezer lezen"))
    esub = group.add_subparsers(dest="eid_command", metavar=_("actie"), parser_class=type(group))
    esub.required = True
    p = esub.add_parser("read", help=_("naam, adres en geboortejaar van de eID tonen (niets bewaren)"))
    add_json_flag(p)
    p.set_defaults(handler=_read)


def person_lines(person: eid.EidPerson) -> list[str]:
    municipality = person.municipality
    if person.card_municipality and person.card_municipality.casefold() != municipality.casefold():
        municipality = _("{now} (op de kaart: {card})").format(
            now=municipality, card=person.card_municipality
        )
    year = str(person.birth_year) if person.birth_year else _("(onbekend)")
    return [
        _("Voornamen:    {value}").format(value=person.first_names),
        _("Familienaam:  {value}").format(value=person.last_name),
        _("Straat:       {value}").format(value=person.street),
        _("Postcode:     {value}").format(value=person.postcode),
        _("Gemeente:     {value}").format(value=municipality),
        _("Geboortejaar: {value}").format(value=year),
    ]


def _read(args: argparse.Namespace, ctx: AppContext) -> int:
    person = eid.read_card()
    if args.json:
        emit_json(person.as_dict())
        return 0
    print(eid.notice(), file=sys.stderr)
    for line in person_lines(person):
        print(line)
    return 0
