"""``python -m sentinel.cli`` is ``sentinel``."""

from sentinel.cli import main

raise SystemExit(main())
