"""An erasure the server refuses (open-loan: another counter lent the person a laptop before
this counter pulled it) changes nothing of that person on the server, and it can be sent
again once the laptop is back ("wis daarna opnieuw", app/sync/refusals.py).

Defect 1: the erasure rewrote the person's earlier unpushed edits (a street typed before the
erasure) and sent the anonymisation of the linked records (loans, helpdesk visits) as
ordinary edits: the server took those although it refused the erasure, so every counter
got blank fields for a person who is not erased.
Defect 2: an erased person could not be erased again ("al gewist"), so the refused erasure
waited for an edit that can never come and the counters differed forever.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.borrowers import BorrowerInput
from app.errors import UserError
from app.export import export_json
from app.inventory import DeviceInput
from app.sync.refusals import refused_views
from db.base import OutboxEntry
from db.models import Borrower, HelpdeskVisit, Loan
from server.models import MergedRecord
from tests.conftest import make_ready
from tests.sync.conftest import make_replica


def _server(server, table: str, row_id: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    with server.database.sessions() as s:
        rec = s.scalar(
            select(MergedRecord).where(MergedRecord.table_name == table, MergedRecord.row_id == row_id)
        )
        assert rec is not None
        return dict(rec.fields)


def _local(r, model, row_id: str):  # type: ignore[no-untyped-def]
    with r.ctx.sessions() as s:
        obj = s.get(model, row_id)
        s.expunge(obj)
        return obj


@pytest.fixture
def refused(tmp_path, sqlite_server, replicas):  # type: ignore[no-untyped-def]
    """KRT erases Jan, to whom WVL lent a laptop and pushed before KRT pulled: refused."""
    server = sqlite_server
    server.add_tenant("Kortrijk")
    krt = make_replica(tmp_path, "krt", server, server.issue_token("Kortrijk", "KRT", "coordinator"), "KRT")
    wvl = make_replica(tmp_path, "wvl", server, server.issue_token("Kortrijk", "WVL", "coordinator"), "WVL")
    replicas += [krt, wvl]
    wvl.ctx.settings.max_open_loans_per_borrower = 2  # Jan still has KRT's laptop there
    person = krt.ctx.borrowers.add(
        BorrowerInput("Jan", "Peeters", "8500", phone="0470 11 11 11", street="Oudestraat 1")
    )
    card = person.card_number
    old = krt.ctx.devices.add(DeviceInput("laptop", "Dell", "E7470", "K1")).asset_tag
    make_ready(krt.ctx, old)
    krt.ctx.loans.checkout(old, card)
    visit = krt.ctx.helpdesk.log("tax-on-web", card=card, notes="brief van de belastingen")
    tag = wvl.ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", "S1")).asset_tag
    make_ready(wvl.ctx, tag)
    for r in (krt, wvl, krt):
        r.sync()
    with krt.ctx.sessions() as s:
        loan_id = s.scalar(select(Loan.id).where(Loan.borrower_id == person.id))
    wvl.ctx.loans.checkout(tag, card)
    wvl.sync()
    # At KRT, not pushed yet: the laptop comes back with a remark, a new street is typed ...
    krt.ctx.loans.return_device(old, condition="kras op het deksel")
    krt.ctx.borrowers.edit(card, street="Nieuwstraat 2")
    # ... and then the person asks to be erased (KRT has not pulled WVL's loan).
    before = {t: _server(server, t, i) for t, i in (("borrower", person.id), ("helpdesk_visit", visit.id))}
    krt.ctx.privacy.erase(card)
    krt.sync()
    assert [v.code for v in refused_views(krt.ctx.sessions)] == ["open-loan"]
    return krt, wvl, server, card, person.id, loan_id, visit.id, tag, before


def test_a_refused_erasure_blanks_nothing_on_the_server(refused):  # type: ignore[no-untyped-def]
    krt, wvl, server, card, person_id, loan_id, visit_id, _tag, before = refused
    # The server's person is exactly as it was: no field emptied by the refused erasure.
    assert _server(server, "borrower", person_id) == before["borrower"]
    assert _server(server, "borrower", person_id)["street"] == "Oudestraat 1"
    # Neither are the texts of the linked records (their clearing waits for the erasure) ...
    assert _server(server, "helpdesk_visit", visit_id) == before["helpdesk_visit"]
    assert _server(server, "helpdesk_visit", visit_id)["notes"] == "brief van de belastingen"
    # ... while what is not personal still went: the laptop's return.
    loan = _server(server, "loan", loan_id)
    assert loan["state"] == "returned" and loan["condition_in"] == ""
    wvl.sync()
    jan = _local(wvl, Borrower, person_id)
    assert (jan.first_name, jan.phone, jan.street) == ("Jan", "0470 11 11 11", "Oudestraat 1")
    assert not jan.erased
    assert _local(wvl, HelpdeskVisit, visit_id).notes == "brief van de belastingen"
    # KRT keeps the person erased, and its outbox no longer holds the typed street.
    assert _local(krt, Borrower, person_id).erased
    # The clearing that waits is not "waiting to be sent" (it waits for the refused erasure
    # shown apart), and the tables it differs in are not pulled again every round.
    again = krt.sync()
    assert (again.waiting, again.refused_waiting) == (0, 1)
    assert again.repulled_tables == [] and again.mismatched_tables == []
    with krt.ctx.sessions() as s:
        payloads = [e.payload for e in s.scalars(select(OutboxEntry))]
    assert "Nieuwstraat 2" not in str(payloads) and "kras op het deksel" not in str(payloads)


def test_a_refused_erasure_can_be_sent_again_once_the_laptop_is_back(refused):  # type: ignore[no-untyped-def]
    krt, wvl, server, card, person_id, loan_id, visit_id, tag, _before = refused
    krt.sync()  # KRT hears of WVL's loan: erasing again must wait for the return
    with pytest.raises(UserError, match="bruikleen"):
        krt.ctx.erasure_requests.erase_borrower(card)  # what `digibank borrower erase` calls
    wvl.ctx.loans.return_device(tag, condition="scherm gebarsten bij Jan")
    wvl.sync()
    krt.sync()
    outcome = krt.ctx.erasure_requests.erase_borrower(card)  # no "al gewist": sent again
    assert outcome.erased
    krt.sync()
    assert refused_views(krt.ctx.sessions) == []
    for r in (wvl, krt, wvl):
        r.sync()
    assert _server(server, "borrower", person_id)["erased"] is True
    jan = _local(wvl, Borrower, person_id)
    assert jan.erased and jan.first_name == "(gewist)" and jan.phone == "" and jan.street == ""
    assert _local(wvl, HelpdeskVisit, visit_id).notes == ""
    exports = [export_json(r.ctx.sessions) for r in (krt, wvl)]
    assert exports[0] == exports[1]
    for text in ("Peeters", "0470 11 11 11", "Oudestraat", "belastingen", "gebarsten"):
        assert text not in exports[0]
    with krt.ctx.sessions() as s:
        assert s.scalar(select(OutboxEntry).where(OutboxEntry.pushed_batch.is_(None))) is None
    # Once the server took the erasure, erasing again is refused as before.
    with pytest.raises(UserError, match="al gewist"):
        krt.ctx.erasure_requests.erase_borrower(card)


def test_a_refused_erasure_is_settled_by_an_erasure_from_elsewhere(refused):  # type: ignore[no-untyped-def]
    krt, wvl, server, card, person_id, _loan_id, visit_id, tag, _before = refused
    wvl.sync()  # hears that KRT's laptop came back
    wvl.ctx.loans.return_device(tag)
    wvl.ctx.privacy.erase(card)  # the other counter erases the person once the laptop is back
    wvl.sync()
    krt.sync()  # pulls WVL's erasure ...
    krt.sync()  # ... and sends what waited
    # KRT's refused erasure and the clearing that waited for it go out: nothing stays behind.
    assert refused_views(krt.ctx.sessions) == []
    with krt.ctx.sessions() as s:
        assert s.scalar(select(OutboxEntry).where(OutboxEntry.pushed_batch.is_(None))) is None
    for r in (wvl, krt):
        r.sync()
    assert _server(server, "helpdesk_visit", visit_id)["notes"] == ""
    exports = [export_json(r.ctx.sessions) for r in (krt, wvl)]
    assert exports[0] == exports[1] and "Peeters" not in exports[0]


def test_an_erased_person_whose_erasure_was_accepted_stays_al_gewist(tmp_path, sqlite_server, replicas):  # type: ignore[no-untyped-def]
    server = sqlite_server
    server.add_tenant("Kortrijk")
    krt = make_replica(tmp_path, "krt", server, server.issue_token("Kortrijk", "KRT", "coordinator"), "KRT")
    replicas.append(krt)
    card = krt.ctx.borrowers.add(BorrowerInput("An", "Claes", "8500")).card_number
    krt.ctx.privacy.erase(card)
    with pytest.raises(UserError, match="al gewist"):  # not pushed yet: nothing refused
        krt.ctx.privacy.erase(card)
    krt.sync()
    with pytest.raises(UserError, match="al gewist"):
        krt.ctx.privacy.erase(card)


def test_a_text_blanked_before_the_erasure_is_blanked_on_the_server_too(tmp_path, sqlite_server, replicas):  # type: ignore[no-untyped-def]
    """The erasure drops the personal fields of earlier unsent edits: one that had already
    emptied a text (so the erasure itself changes nothing there) still reaches the server,
    with the erasure."""
    server = sqlite_server
    server.add_tenant("Kortrijk")
    krt = make_replica(tmp_path, "krt", server, server.issue_token("Kortrijk", "KRT", "coordinator"), "KRT")
    replicas.append(krt)
    person = BorrowerInput("An", "Claes", "8500", notes="belt liefst 's avonds")
    card = krt.ctx.borrowers.add(person).card_number
    visit = krt.ctx.helpdesk.log("itsme", card=card, notes="itsme op de gsm van haar zoon")
    krt.sync()
    with krt.ctx.sessions() as s, s.begin():
        s.get(HelpdeskVisit, visit.id).notes = ""  # an edit not sent yet
        s.scalar(select(Borrower).where(Borrower.card_number == card)).notes = ""
    krt.ctx.privacy.erase(card)
    result = krt.sync()
    assert (result.waiting, result.refused_waiting) == (0, 0)
    assert _server(server, "helpdesk_visit", visit.id)["notes"] == ""
    person = _server(server, "borrower", _local(krt, HelpdeskVisit, visit.id).borrower_id)
    assert person["erased"] is True and person["notes"] == "" and person["first_name"] == "(gewist)"
    with server.database.sessions() as s:
        assert "zoon" not in str([r.fields for r in s.scalars(select(MergedRecord))])


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_the_window_erases_again_after_a_refusal(qtbot, refused):  # type: ignore[no-untyped-def]
    from ui.borrowers_view import BorrowersView

    krt, wvl, server, card, person_id, _loan_id, _visit_id, tag, _before = refused
    ctx = krt.ctx
    view = BorrowersView(ctx.borrowers, ctx.loans, privacy=ctx.privacy, erasures=ctx.erasure_requests)
    qtbot.addWidget(view)
    view.resize(1100, 600)
    view.show()
    qtbot.waitExposed(view)
    view.table.select_id(person_id)
    # Erased here, refused by the server: the button stays usable and the person says why.
    assert view.erase_button.isEnabled()
    assert "weigerde" in view.detail_text.text()
    wvl.ctx.loans.return_device(tag)
    wvl.sync()
    krt.sync()
    asked = []
    view._confirm_erase = lambda b: asked.append(view.erase_question(b)) or True
    view.erase_button.click()
    assert "opnieuw verstuurd" in asked[0]
    assert "gewist" in view.message.text()
    krt.sync()
    wvl.sync()
    assert _server(server, "borrower", person_id)["erased"] is True
    view.table.select_id(person_id)
    view._show_borrower(view.current_borrower())
    assert not view.erase_button.isEnabled()  # taken by the server: nothing left to send
