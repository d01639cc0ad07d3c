"""A record the server stored before a release added synced fields gets their defaults (and
its digests follow), so upgraded counters do not re-pull the table in every round."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import select

from app.sync import lww
from server.database import MIGRATIONS, Database
from server.field_defaults import fill_missing_defaults
from server.models import MergedRecord, TableDigestRow, Tenant
from server.store import DEFAULTS, digest_names


def _old_loan(tenant_id: int) -> MergedRecord:
    """A loan as a server of the previous release stored it: without the deposit fields."""
    fields = {k: v for k, v in DEFAULTS["loan"].items() if not k.startswith("deposit_")}
    fields.update(device_id="d1", borrower_id="b1", state="open", due_date="2027-01-01")
    digest = lww.record_digest({"id": "L1", **fields}, digest_names("loan"))
    return MergedRecord(
        tenant_id=tenant_id,
        table_name="loan",
        row_id="L1",
        fields=fields,
        clocks={},
        digest=lww.digest_hex(digest),
    )


def test_old_records_get_the_new_defaults_and_every_digest_agrees_with_a_counter(tmp_path) -> None:
    assert any(k.startswith("deposit_") for k in DEFAULTS["loan"])  # the release's new loan fields
    db = Database(f"sqlite:///{tmp_path / 'server.db'}")
    db.migrate()
    with db.sessions() as s, s.begin():
        tenant = Tenant(name="T")
        s.add(tenant)
        s.flush()
        rec = _old_loan(tenant.id)
        s.add(rec)
        s.add(TableDigestRow(tenant_id=tenant.id, table_name="loan", count=1, digest=rec.digest))
        tenant_id = tenant.id
    with db.sessions() as s, s.begin():
        assert fill_missing_defaults(s) == 1
    with db.sessions() as s:
        rec = s.scalars(select(MergedRecord)).one()
        assert set(DEFAULTS["loan"]) <= set(rec.fields)
        # What an upgraded counter hashes: the record with every field, defaults included.
        counter = lww.record_digest({"id": "L1", **DEFAULTS["loan"], **rec.fields}, digest_names("loan"))
        assert rec.digest == lww.digest_hex(counter)
        assert s.get(TableDigestRow, (tenant_id, "loan")).digest == rec.digest
    with db.sessions() as s, s.begin():
        assert fill_missing_defaults(s) == 0  # once is enough


def test_the_migration_runs_it(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'server.db'}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "s0005")
    with db.sessions() as s, s.begin():
        tenant = Tenant(name="T")
        s.add(tenant)
        s.flush()
        s.add(_old_loan(tenant.id))
    db.migrate()
    with db.sessions() as s:
        assert "deposit_method" in s.scalars(select(MergedRecord)).one().fields
