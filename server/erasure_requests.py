"""`digibank-server erasure list|approve`: the server's administrator confirms an erasure
asked at an ordinary counter (app/erasure_requests.py, db/models_privacy.py).

The erasure is made here as a server-side change: one batch, applied through the same
path as a coordinator-scope push (store.apply_push), so the domain rules hold (no erasure
of a person with an open loan), the change log numbers it for every counter to pull, and
server/erasure.py scrubs the person's earlier values from the stored history.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import UserError
from app.i18n import _
from app.sync.protocol import Change, PushRequest
from db.personal import PERSON_LINKED, personal_fields
from server import store
from server.models import MergedRecord, Tenant

ORIGIN = "server"


def _pending_rows(session: Session, tenant: str | None) -> list[tuple[MergedRecord, str]]:
    stmt = (
        select(MergedRecord, Tenant.name)
        .join(Tenant, Tenant.id == MergedRecord.tenant_id)
        .where(
            MergedRecord.table_name == "erasure_request",
            MergedRecord.fields["state"].as_string() == "pending",
        )
    )
    if tenant is not None:
        stmt = stmt.where(Tenant.name == tenant)
    out = []
    for rec, name in session.execute(stmt):
        if rec.fields.get("deleted") is True:
            continue
        subject = session.get(
            MergedRecord,
            (rec.tenant_id, str(rec.fields.get("subject_table")), str(rec.fields.get("subject_id"))),
        )
        if subject is not None and subject.fields.get("erased") is True:
            continue  # erased meanwhile (a coordinator-scope counter)
        out.append((rec, name))
    return sorted(out, key=lambda rn: (rn[1], str(rn[0].fields.get("requested_at")), rn[0].row_id))


def pending(session: Session, tenant: str | None = None) -> list[dict[str, Any]]:
    """The requests waiting for confirmation: ids, codes and dates only, no personal values."""
    return [
        {
            "id": rec.row_id,
            "tenant": name,
            "subject_table": rec.fields.get("subject_table"),
            "subject_code": rec.fields.get("subject_code"),
            "requested_at": rec.fields.get("requested_at"),
            "requested_by": rec.fields.get("requested_by_name") or rec.fields.get("requested_by"),
        }
        for rec, name in _pending_rows(session, tenant)
    ]


def _wall_ms(stamp: str) -> int:
    head = stamp.split("-", 1)[0]
    return int(head) if head.isdigit() else 0


def approve(session: Session, ref: str, max_ahead_ms: int, now_ms: int | None = None) -> dict[str, Any]:
    """Erase the subject of one pending request (by id or its first 4+ characters) and mark
    the request approved, in the caller's transaction. A refused erasure raises UserError
    and the caller rolls back: the request stays pending."""
    ref = ref.strip().lower()
    found = [(r, n) for r, n in _pending_rows(session, None) if len(ref) >= 4 and r.row_id.startswith(ref)]
    if len(found) != 1:
        raise UserError(
            _("Geen openstaande wissingsaanvraag '{id}' (zie 'digibank-server erasure list').").format(id=ref)
        )
    request, _tenant_name = found[0]
    tenant_id = request.tenant_id
    table = str(request.fields.get("subject_table"))
    subject = session.get(MergedRecord, (tenant_id, table, str(request.fields.get("subject_id"))))
    if subject is None:
        raise UserError(_("De server kent de persoon van deze aanvraag (nog) niet."))
    linked: list[MergedRecord] = []
    if table == "borrower":
        for linked_table in PERSON_LINKED:
            if personal_fields(linked_table):
                linked += session.scalars(
                    select(MergedRecord).where(
                        MergedRecord.tenant_id == tenant_id,
                        MergedRecord.table_name == linked_table,
                        MergedRecord.fields["borrower_id"].as_string() == subject.row_id,
                    )
                )
    # One stamp after every clock these records carry, so the server's change wins each field.
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    newest = max(
        (_wall_ms(c) for rec in (request, subject, *linked) for c in (rec.clocks or {}).values()), default=0
    )
    stamp = f"{max(now_ms, newest + 1):013d}-000000-{ORIGIN}"

    def change(t: str, row_id: str, fields: dict[str, Any]) -> Change:
        return Change(
            change_id=str(uuid.uuid4()),
            table=t,
            row_id=row_id,
            stamp=stamp,
            origin=ORIGIN,
            fields=fields,
            clocks={n: stamp for n in fields},
        )

    # As a counter's erasure travels (app/sync/outbox.py): every field under the erasure's
    # stamp, the personal ones anonymised, so it overwrites concurrent edits everywhere.
    erased = {n: v for n, v in subject.fields.items() if n != "deleted" and n in store.RULES[table]}
    erased.update(personal_fields(table))
    erased["erased"] = True
    changes = [change(table, subject.row_id, erased)]
    for rec in linked:
        cleared = {n: v for n, v in personal_fields(rec.table_name).items() if rec.fields.get(n) != v}
        if cleared:
            changes.append(change(rec.table_name, rec.row_id, cleared))
    decided = dt.datetime.now().replace(microsecond=0).isoformat()
    changes.append(
        change(
            "erasure_request",
            request.row_id,
            {"state": "approved", "decided_at": decided, "decided_by": ORIGIN},
        )
    )
    batch = PushRequest(batch_id=f"server-erasure-{uuid.uuid4()}", changes=changes)
    answer = store.apply_push(session, tenant_id, batch, max_ahead_ms, now_ms=now_ms, scope=store.COORDINATOR)
    refused = [r for r in answer.results if r.status == "rejected"]
    if refused:
        if refused[0].reason == store.OPEN_LOAN:
            raise UserError(
                _(
                    "{code} heeft volgens de server nog een toestel in bruikleen: eerst terugbrengen en "
                    "synchroniseren, dan bevestigen."
                ).format(code=request.fields.get("subject_code"))
            )
        raise UserError(
            _("De server weigert deze wissing ({reason}).").format(
                reason=refused[0].detail or refused[0].reason
            )
        )
    return {
        "id": request.row_id,
        "subject_table": table,
        "subject_code": request.fields.get("subject_code"),
        "changes": len(changes),
    }
