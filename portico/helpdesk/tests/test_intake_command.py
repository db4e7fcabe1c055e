"""`portico intake_email`: one message on standard input; exit 0 when handled, 75 (retry) on a temporary failure."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import OperationalError

from portico.helpdesk.intake.models import InboundEmail, Reason
from portico.helpdesk.models import Case
from portico.helpdesk.tests.mail import build, load

pytestmark = pytest.mark.django_db


def run(raw: bytes, *args) -> str:
    out = io.StringIO()
    call_command("intake_email", *args, stdin=io.BytesIO(raw), stdout=out)
    return out.getvalue().strip()


def test_the_pipe_command_opens_a_case_from_standard_input(bob_cases):
    assert run(load("new_case_attachments.eml")) == "accepted"
    assert Case.objects.get().subject == "Tulostin ei tulosta – ääkköset & €"


def test_the_pipe_command_exits_zero_on_a_logged_rejection(bob_cases):
    assert run(build(sender="stranger@nowhere.example")) == "rejected unknown_sender"
    assert InboundEmail.objects.get().reason == Reason.UNKNOWN_SENDER


def test_the_pipe_command_takes_the_envelope_sender(bob_cases):
    assert run(build(), "--sender", "") == "ignored bounce"
    assert run(build(), "--sender", "mallory@evil.example") == "rejected forged"


def test_the_pipe_command_asks_the_mta_to_retry_when_the_database_is_away(bob_cases, monkeypatch):
    def unavailable(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("portico.helpdesk.management.commands.intake_email.receive_email", unavailable)
    with pytest.raises(SystemExit) as exit_info:
        run(build())
    assert exit_info.value.code == 75
    assert not InboundEmail.objects.exists()


def test_the_pipe_command_survives_garbage_on_standard_input(bob_cases):
    assert run(b"\x00\x01\x02 not an email \xff") == "rejected malformed"


def test_the_mail_server_runs_the_command_in_its_own_process_and_reads_its_exit_code(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portico.config.test_settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'intake.sqlite3'}",
        "PORTICO_DATA_DIR": str(tmp_path),
    }
    root = Path(__file__).resolve().parents[3]
    manage = [sys.executable, "-m", "portico.manage"]
    subprocess.run([*manage, "migrate", "--verbosity", "0"], env=env, cwd=root, check=True, timeout=180)  # noqa: S603
    raw = build(sender="stranger@nowhere.example")
    pipe = [*manage, "intake_email", "--sender", "stranger@nowhere.example"]
    done = subprocess.run(pipe, input=raw, env=env, cwd=root, capture_output=True, timeout=60)  # noqa: S603
    assert (done.returncode, done.stdout.strip()) == (0, b"rejected unknown_sender")
    away = {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'no-such-dir' / 'intake.sqlite3'}"}
    done = subprocess.run(pipe, input=raw, env=away, cwd=root, capture_output=True, timeout=60)  # noqa: S603
    assert done.returncode == 75, done.stderr
