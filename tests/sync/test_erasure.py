"""GDPR erasure wins over edits made elsewhere at the same time, in any sync order."""

from __future__ import annotations

import pytest

from app.borrowers import BorrowerInput
from app.export import export_json
from tests.sync.conftest import make_replica


@pytest.mark.parametrize("first", ["eraser", "editor"])
def test_erasure_wins_over_concurrent_edits(tmp_path, sqlite_server, replicas, first):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    # The eraser's token has the coordinator scope (the server refuses erasures otherwise).
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT", "coordinator"), "KRT")
    b = make_replica(tmp_path, "b", server, server.issue_token("Kortrijk", "WVL"), "WVL")
    c = make_replica(tmp_path, "c", server, server.issue_token("Kortrijk", "BUS"), "BUS")
    replicas += [a, b, c]
    card = a.ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500")).card_number  # no phone, no notes
    for r in (a, b, c):
        r.sync()
    b.ctx.borrowers.edit(card, phone="0470 12 34 56", notes="belt vaak", street="Kerkstraat 3")
    a.ctx.privacy.erase(card)  # offline at the same time; B's edits carry later stamps
    order = [a, b] if first == "eraser" else [b, a]
    for r in (*order, c, *order, c):
        r.sync()
    for r in (a, b, c):
        with r.ctx.sessions() as s:
            from sqlalchemy import select

            from db.models import Borrower

            person = s.scalar(select(Borrower).where(Borrower.card_number == card))
            assert person.erased is True
            assert (person.phone, person.notes, person.street) == ("", "", "")
            assert person.first_name == "(gewist)" and person.postcode == "8500"
    assert export_json(a.ctx.sessions) == export_json(b.ctx.sessions) == export_json(c.ctx.sessions)
    assert "0470" not in export_json(c.ctx.sessions)
