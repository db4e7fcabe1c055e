"""The `portico` console command: Django's management commands under the product's name."""

import os
import sys

DEV_TOOLS = {"makemigrations", "makemessages", "compilemessages"}


def main() -> None:
    """Run a management command with Portico's settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portico.config.settings")
    if len(sys.argv) > 1 and sys.argv[1] in DEV_TOOLS:
        # Tools that only read the code need no real key; they never sign anything a browser sees.
        os.environ.setdefault("SECRET_KEY", "development-tooling-only")
    if len(sys.argv) > 1 and sys.argv[1] == "demo":
        from portico.config.demo import prepare_demo_environment

        prepare_demo_environment()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
