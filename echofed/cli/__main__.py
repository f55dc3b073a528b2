"""``python -m echofed.cli``: the ``echofed`` command."""

from echofed.cli import main

raise SystemExit(main())
