"""`portico demo`: database, demo data, production web server and task worker on one machine."""

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from portico.access.demo import demo_loaded, demo_logins, load_demo_data
from portico.core.mailsink import start_mail_sink


class Command(BaseCommand):
    help = "Start the demo: migrate, load demo data once, run the web server (granian) and the task worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--no-serve", action="store_true", help="Prepare the database and data, then exit.")

    def handle(self, *args, host, port, workers, no_serve, **options):
        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if not demo_loaded():
            load_demo_data()
            self.stdout.write("Demo data loaded.")
        self.print_logins(host, port)
        if no_serve:
            return
        sink = start_mail_sink(settings.DATA_DIR / "mail")
        if sink:
            self.stdout.write(f"Outgoing mail is caught on 127.0.0.1:1025 and saved in {settings.DATA_DIR / 'mail'}")
        children = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "granian",
                    "--interface",
                    "wsgi",
                    "--host",
                    host,
                    "--port",
                    str(port),
                    "--workers",
                    str(workers),
                    "--blocking-threads",
                    "4",
                    "--no-ws",
                    "portico.config.wsgi:application",
                ]
            ),
            subprocess.Popen([sys.executable, "-m", "portico.manage", "worker", "--interval", "1"]),
        ]
        self.stdout.write(self.style.SUCCESS(f"Portico is running on http://{host}:{port}/ — press Ctrl-C to stop."))
        stopping = []
        signal.signal(signal.SIGTERM, lambda *a: stopping.append(True))
        try:
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop(children)
            if sink:
                sink.stop()
        self.stdout.write("Stopped.")

    def stop(self, children):
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for child in children:
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                child.kill()

    def print_logins(self, host, port):
        self.stdout.write("")
        self.stdout.write(f"Portal:      http://{host}:{port}/portal/")
        self.stdout.write(f"Back office: http://{host}:{port}/backoffice/")
        self.stdout.write("Demo logins (email / password):")
        for email, password, who in demo_logins():
            self.stdout.write(f"  {email:38} {password:22} {who}")
        self.stdout.write("")
