"""``python -m wsbind``: the wsbind command (see :mod:`wsbind.cli`)."""

from wsbind.cli import main

raise SystemExit(main())
