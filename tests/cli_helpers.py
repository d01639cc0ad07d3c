"""Running `digibank …` in-process for command-line tests."""

from __future__ import annotations

from app import cli


def run(capsys, data, *args):
    try:
        code = cli.main(["--data-dir", data, *args])
    except SystemExit as exc:  # argparse ends usage errors this way (exit 2)
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err):
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


def export(capsys, data):
    code, out, _err = run(capsys, data, "export", "--json")
    assert code == 0
    return out
