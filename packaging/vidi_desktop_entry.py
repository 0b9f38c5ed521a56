"""Entry point of the standalone app: the same ``vidi-desktop`` command as the pip install."""

import multiprocessing
import sys

from vidi_desktop.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # PyInstaller: child processes re-enter here
    sys.exit(main())
