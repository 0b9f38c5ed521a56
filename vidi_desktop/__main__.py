"""``python -m vidi_desktop`` is the ``vidi-desktop`` command."""

import sys

from vidi_desktop.cli import main

sys.exit(main())
