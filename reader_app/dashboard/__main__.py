"""``python -m reader_app.dashboard --db URL``: the coordinator dashboard on its own.

The application's login screen opens the dashboard after the coordinator's password; this
runner does the same from a terminal (the password read from the terminal, or one line of
standard input with ``--password-stdin``), for trials and screenshots. Without a study at the
URL (an SQLite file that does not exist yet) it opens on *Create study*.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from model_core.errors import CesmError
from reader_app.dashboard.window import DashboardWindow
from studies.engine.coordinator_api import check_coordinator
from studies.engine.study_creation import store_folder
from studies.errors import StudyError
from studies.store.database import Store, open_store


def _open(url: str, password_stdin: bool) -> tuple[Store | None, object]:
    folder = store_folder(url)
    if folder is not None:
        from studies.store.database import parse_store_url

        if not Path(str(parse_store_url(url).database)).exists():
            return None, None
    store = open_store(url)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("coordinator password: ")
    return store, check_coordinator(store, password)


def main(argv: list[str] | None = None) -> int:
    """Open the dashboard on ``--db``."""
    parser = argparse.ArgumentParser(prog="python -m reader_app.dashboard", description=__doc__)
    parser.add_argument(
        "--db", default=os.environ.get("CESM_STUDY_DB", "sqlite:///study.db"), metavar="URL"
    )
    parser.add_argument("--stylesheet", type=Path, help="a Qt style sheet (.qss) to apply")
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    args = parser.parse_args(argv)
    try:
        store, access = _open(args.db, args.password_stdin)
    except (CesmError, StudyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    sheet = args.stylesheet.read_text(encoding="utf-8") if args.stylesheet else None
    window = DashboardWindow(args.db, store, access, stylesheet=sheet)  # type: ignore[arg-type]
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
