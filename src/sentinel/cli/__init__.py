"""``sentinel`` — the front door for people and scripts.

It wraps Django's management commands and adds the ones Sentinel needs. Errors give a
one-line message on standard error and a non-zero exit code, never a traceback:

    exit 1  the command refused (unknown ydernummer, bad arguments)
    exit 2  usage or configuration is wrong (a missing argument, a setting)
    exit 3  the database is not there, not reachable, or not migrated
    exit 70 an internal error (a bug): one line; SENTINEL_TRACEBACK=1 shows the traceback
"""

from __future__ import annotations

import os
import sys

USAGE = """\
usage: sentinel COMMAND [options]

Commands:
  demo                      set up the embedded database with a synthetic nation and serve it
  serve [--host H] [--port P]
                            run the web service (default 127.0.0.1:8000)
  migrate                   create or update the database tables
  status YDERNUMMER [--json]
                            the status check of one clinic
  reports refresh [--project CODE] [--benchmark-only]
                            rebuild the report aggregates and the benchmark from the data
  staff create USERNAME --role support|project_manager|administrator [--password-stdin]
                            a console staff user; prints the TOTP URI once
  staff [list] | staff reset-device|unlock|deactivate USERNAME
                            list console staff users; manage second factor and lockouts
  export PROJECT --recipient R --kind aggregated|record-level --from DATE --to DATE
                            a data-sharing export (Parquet + CSV + manifest.json)
  retention run [--apply]   delete data past the projects' retention (dry run by default)
  notices send [--date DATE]
                            mail the clinics the notices that are due (once per occasion)
  worker                    run the background jobs (notices, retention, benchmark) until stopped
  jobs [list] | jobs run NAME
                            the background jobs, their runs and queue; queue a job now
  manage COMMAND ...        any other Django management command

Run 'sentinel COMMAND --help' for a command's options.
"""

EXIT_REFUSED = 1
EXIT_CONFIG = 2
EXIT_DATABASE = 3
EXIT_INTERNAL = 70


def _fail(code: int, message: str) -> int:
    first_line = (message.strip().splitlines() or ["unknown error"])[0]
    print(f"sentinel: {first_line}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(USAGE, end="")
        return 0
    if args[0] == "manage":
        args = args[1:]
    if args and args[0] == "demo":
        os.environ.setdefault("SENTINEL_DEMO", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sentinel.settings")

    from django.core.exceptions import ImproperlyConfigured

    try:
        import django

        django.setup()
    except ImproperlyConfigured as exc:
        return _fail(EXIT_CONFIG, f"configuration error: {exc}")

    from django.core.management import execute_from_command_line
    from django.db import Error as DatabaseError

    try:
        execute_from_command_line(["sentinel", *args])
    except DatabaseError as exc:
        return _fail(EXIT_DATABASE, f"database error: {exc}")
    except ImproperlyConfigured as exc:
        return _fail(EXIT_CONFIG, f"configuration error: {exc}")
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if os.environ.get("SENTINEL_TRACEBACK"):
            raise
        return _fail(
            EXIT_INTERNAL,
            f"internal error ({type(exc).__name__}: {exc}); "
            "set SENTINEL_TRACEBACK=1 for details and tell Sentinel support",
        )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
