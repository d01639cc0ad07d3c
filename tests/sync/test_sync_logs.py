"""The server's and the sync client's log lines carry ids and card numbers, never personal data."""

from __future__ import annotations

import logging

from app.borrowers import BorrowerInput
from tests.sync.conftest import make_replica
from tests.test_no_personal_data_in_logs import PERSONAL


def test_a_sync_round_logs_no_personal_data(tmp_path, sqlite_server, replicas, caplog):
    caplog.set_level(logging.DEBUG)
    sqlite_server.add_tenant("Kortrijk")
    a = make_replica(tmp_path, "a", sqlite_server, sqlite_server.issue_token("Kortrijk", "KRT"), "KRT")
    replicas.append(a)
    card = a.ctx.borrowers.add(
        BorrowerInput("Zeynep", "Uniekenaam", "8500", street="Uniekstraat 9", phone="0470 99 88 77",
                      email="zeynep@uniek.be")
    ).card_number  # fmt: skip
    a.ctx.donations.add("Schenkersnaam", contact="schenker@uniek.be", kind="person")
    a.sync()
    a.ctx.privacy.erase(card)
    a.sync()
    assert [v for v in PERSONAL if v in caplog.text] == []
