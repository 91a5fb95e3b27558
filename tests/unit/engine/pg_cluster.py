"""A throwaway PostgreSQL server of a test's own, to stop and start under a running session.

The shared server of ``pg_virtualenv`` serves every other test's database; stopping it would
disturb them. :class:`ThrowawayCluster` makes a cluster with ``initdb`` in a temporary folder,
listening only on a Unix socket in that folder (no port to collide with), with trust
authentication. As root (PostgreSQL refuses to run as root) the server's commands run as the
``postgres`` user. ``pg_ctl -w`` waits until the server accepts connections or is down: no
sleeps. Imported by bare name by the tests beside it.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import URL

PORT = 5499


def postgresql_bin() -> Path | None:
    """The newest installed PostgreSQL's program folder, or ``None``."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


def why_not_available() -> str | None:
    """Why a throwaway cluster cannot be made here (``None``: it can)."""
    if postgresql_bin() is None:
        return "PostgreSQL's server programs are not installed (/usr/lib/postgresql/*/bin)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres user to run the server as"
    return None


class ThrowawayCluster:
    """A PostgreSQL cluster in a temporary folder; :meth:`remove` stops and deletes it."""

    def __init__(self) -> None:
        bin_dir = postgresql_bin()
        assert bin_dir is not None, why_not_available()
        self._bin = bin_dir
        self.folder = Path(tempfile.mkdtemp(prefix="cesm-outage-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync")

    def url(self, database: str, *, password: str) -> str:
        """A ``postgresql+psycopg`` URL of ``database`` on this server, over its socket."""
        return URL.create(
            "postgresql+psycopg",
            username="postgres",
            password=password,  # trust authentication ignores it; messages must hide it
            database=database,
            query={"host": str(self.folder), "port": str(PORT)},
        ).render_as_string(hide_password=False)

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-k {self.folder} -p {PORT} -c listen_addresses='' -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        """Stop the server (its clients are disconnected) and wait until it is down."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        """Stop the server if it runs, and delete the cluster."""
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self._bin / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        environment = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        result = subprocess.run(
            command, capture_output=True, text=True, check=False, timeout=120, env=environment
        )
        if result.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{program} failed: {result.stderr}{result.stdout}\n{log}")
