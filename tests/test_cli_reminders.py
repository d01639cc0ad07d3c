"""`digibank reminders list|send|calls|call` on a loan made late in the database."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import update

from app.context import open_context
from db.models import Loan
from tests.cli_helpers import one_line_error, run
from tests.conftest import make_ready
from tests.test_no_personal_data_in_logs import _log_text, own_log_file  # noqa: F401 (fixture)
from tests.test_reminders import free_port, pdf_text, smtp_server  # noqa: F401 (fixture)

TODAY = dt.date.today()


def late_shop(capsys, tmp_path, days_late=2):
    data = str(tmp_path / "data")
    assert run(capsys, data, "init", "--location-code", "KRT", "--location-name", "Kortrijk balie")[0] == 0
    code, _o, _e = run(capsys, data, "device", "add", "--kind", "laptop", "--brand", "Dell",
                       "--model", "Latitude 5490", "--serial", "A")  # fmt: skip
    assert code == 0
    code, _o, _e = run(capsys, data, "borrower", "add", "--first-name", "Jan", "--last-name", "Peeters",
                       "--postcode", "8500", "--email", "jan@example.org",
                       "--phone", "0470123456")  # fmt: skip
    assert code == 0
    ctx = open_context(data)
    try:
        make_ready(ctx, "KRT-000001")
    finally:
        ctx.close()
    assert run(capsys, data, "loan", "checkout", "KRT-000001", "KRT-B-00001")[0] == 0
    ctx = open_context(data)
    try:  # the loan went out long ago: its due date is already behind us
        with ctx.sessions() as s, s.begin():
            s.execute(update(Loan).values(due_date=TODAY - dt.timedelta(days=days_late)))
    finally:
        ctx.close()
    return data


def test_list_send_and_again(capsys, tmp_path, smtp_server):  # noqa: F811
    inbox, port = smtp_server
    data = late_shop(capsys, tmp_path)
    for name, value in (("smtp_host", "127.0.0.1"), ("smtp_port", str(port)), ("smtp_security", "none"),
                        ("smtp_from", "balie@example.org")):  # fmt: skip
        assert run(capsys, data, "settings", "set", name, value)[0] == 0
    code, out, _ = run(capsys, data, "reminders", "list", "--json")
    assert code == 0
    [item] = json.loads(out)
    assert (item["asset_tag"], item["step"], item["days_late"], item["sent"]) == (
        "KRT-000001",
        "late-1",
        2,
        {},
    )

    letters = tmp_path / "brieven.pdf"
    code, out, err = run(capsys, data, "reminders", "send", "--letters", str(letters), "--email")
    assert code == 0, err
    assert "1 brief/brieven" in out and "1 e-mail(s) verstuurd" in out
    assert "KRT-000001" in pdf_text(letters) and len(inbox.messages) == 1

    code, out, _ = run(
        capsys, data, "reminders", "send", "--letters", str(tmp_path / "b2.pdf"), "--email", "--json"
    )
    assert code == 0
    result = json.loads(out)
    assert result["letter"]["sent"] == [] and result["email"]["sent"] == []
    assert result["email"]["already_sent"] == 1
    assert len(inbox.messages) == 1 and not (tmp_path / "b2.pdf").exists()

    # An existing letters file is never replaced without --force.
    code, _out, err = run(capsys, data, "reminders", "send", "--letters", str(letters))
    assert code == 1 and "bestaat al" in one_line_error(err)


def test_send_needs_a_channel_and_email_needs_settings(capsys, tmp_path):
    data = late_shop(capsys, tmp_path)
    code, _out, err = run(capsys, data, "reminders", "send")
    assert code == 1 and "--letters" in one_line_error(err)
    code, _out, err = run(capsys, data, "reminders", "send", "--email")
    assert code == 1 and "niet ingesteld" in one_line_error(err)


def test_call_list_and_outcome(capsys, tmp_path):
    data = late_shop(capsys, tmp_path, days_late=9)
    code, out, _ = run(capsys, data, "reminders", "calls", "--json")
    [item] = json.loads(out)
    assert (item["phone"], item["days_late"], item["last_outcome"]) == ("0470123456", 9, None)
    code, out, _ = run(capsys, data, "reminders", "call", "KRT-000001", "--outcome", "reached")
    assert code == 0 and "bereikt" in out
    code, out, _ = run(capsys, data, "reminders", "calls", "--json")
    assert json.loads(out)[0]["last_outcome"] == "reached"
    code, _out, err = run(capsys, data, "reminders", "call", "KRT-000009", "--outcome", "reached")
    assert code == 1
    one_line_error(err)


def test_reminders_leave_no_personal_data_in_the_log(capsys, tmp_path, smtp_server, own_log_file):  # noqa: F811
    _inbox, port = smtp_server
    data = late_shop(capsys, tmp_path, days_late=8)
    for name, value in (("smtp_host", "127.0.0.1"), ("smtp_port", str(port)), ("smtp_security", "none"),
                        ("smtp_from", "balie@example.org")):  # fmt: skip
        assert run(capsys, data, "settings", "set", name, value)[0] == 0
    assert run(capsys, data, "reminders", "send", "--letters", str(tmp_path / "b.pdf"), "--email")[0] == 0
    assert run(capsys, data, "reminders", "call", "KRT-000001", "--outcome", "calls-back")[0] == 0
    log = _log_text(Path(data))
    assert "reminder e-mails: 1 sent" in log  # the log was written …
    for personal in ("Jan", "Peeters", "jan@example.org", "0470123456"):  # … without the person
        assert personal not in log


def test_letters_and_email_without_a_mail_server_refuse_before_any_letter(tmp_path, capsys):
    """Found by the command-line fuzz: `send --letters F --email` wrote (and recorded) the letters,
    then failed on the missing mail server — an exit 1 that had changed data."""
    from app.cli import main

    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "demo"]) == 0
    capsys.readouterr()
    out = tmp_path / "brieven.pdf"
    assert main(["--data-dir", str(data), "reminders", "send", "--letters", str(out), "--email"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "smtp_host" in err[0]
    assert not out.exists()
    assert main(["--data-dir", str(data), "reminders", "send", "--letters", str(out)]) == 0
    assert "3" in capsys.readouterr().out  # the letters were still due: nothing had been recorded
