"""Start-up work done once, and the light read path of the list commands (issue 13).

No timing here: what is checked is that the once-only repair is not run again, and that the
light path (db/light.py, no SQLAlchemy) prints exactly what the services' path prints.
"""

from __future__ import annotations

from app import postcodes
from app.borrowers import BorrowerService
from app.context import open_context


def _count_repairs(monkeypatch) -> list[int]:
    calls: list[int] = []
    original = BorrowerService.repair_municipalities

    def counting(self):
        calls.append(1)
        return original(self)

    monkeypatch.setattr(BorrowerService, "repair_municipalities", counting)
    return calls


def test_the_municipality_repair_runs_once_not_at_every_open(tmp_path, monkeypatch):
    calls = _count_repairs(monkeypatch)
    folder = tmp_path / "data"
    open_context(folder, actor="test").close()
    assert len(calls) == 1  # a database without the flag: checked
    open_context(folder, actor="test").close()
    open_context(folder, actor="test").close()
    assert len(calls) == 1  # checked already against this postcode table: not again


def test_the_repair_runs_again_for_a_new_postcode_table(tmp_path, monkeypatch):
    calls = _count_repairs(monkeypatch)
    folder = tmp_path / "data"
    open_context(folder, actor="test").close()
    monkeypatch.setattr(postcodes, "table_fingerprint", lambda: "another-table")
    open_context(folder, actor="test").close()
    open_context(folder, actor="test").close()
    assert len(calls) == 2


def test_pulled_people_are_checked_at_the_next_open(tmp_path, monkeypatch):
    from app.sync.merge import apply_page
    from app.sync.protocol import LoggedChange

    calls = _count_repairs(monkeypatch)
    folder = tmp_path / "data"
    ctx = open_context(folder, actor="test")
    ctx.locations.initialise("KRT", "Kortrijk balie")
    stamp = "1764590000000-000001-other"
    fields = {
        "card_number": "GNT-B-00001",
        "first_name": "An",
        "last_name": "Peeters",
        "postcode": "2070",  # Zwijndrecht: East Flanders since 2025
        "municipality": "Zwijndrecht",
        "province": "ANT",
        "nis_code": "",  # an older program made this person
    }
    change = LoggedChange(
        seq=1,
        table="borrower",
        row_id="b-pulled",
        origin="other",
        fields=fields,
        clocks={k: stamp for k in fields},
    )
    import datetime as dt

    with ctx.sessions() as s, s.begin():
        s.info["applying_remote"] = True
        apply_page(s, [change], dt.datetime.now())
    ctx.close()
    assert len(calls) == 1
    ctx = open_context(folder, actor="test")
    try:
        assert len(calls) == 2  # the pulled person got their NIS code and province
        person = ctx.borrowers.get("GNT-B-00001")
        assert person.nis_code != "" and person.province == "OVL"
    finally:
        ctx.close()
    open_context(folder, actor="test").close()
    assert len(calls) == 2
