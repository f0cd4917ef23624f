"""A throw-away PostgreSQL server for tests: Debian's postgresql package (installed by the test
when missing, as tests/browser.py does for Chromium), a cluster made with `initdb` in a temporary
folder, listening on 127.0.0.1 at a free port with password authentication, stopped and deleted
when the test ends. Nothing of the machine's own PostgreSQL (if any) is used or touched.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import subprocess
from pathlib import Path

from tests.browser import free_port
from tests.debian import ensure

USER = "dagster"
DATABASE = "dagster"


def server_binaries() -> Path:
    """The folder of initdb and pg_ctl: Debian keeps them in /usr/lib/postgresql/<version>/bin."""
    return ensure("postgresql", _binaries)


def _binaries() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if candidates:
        return Path(candidates[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class Cluster:
    """A PostgreSQL cluster of its own in `root`. initdb refuses to run as root, so as root the
    server runs as the `postgres` user the Debian package creates."""

    def __init__(self, root: Path):
        self.bin = server_binaries()
        self.root = root
        self.data = root / "data"
        self.port = free_port()
        self.password = secrets.token_urlsafe(16)
        self.host = "127.0.0.1"
        self.log = root / "postgres.log"
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def env(self) -> dict[str, str]:
        """The variables deploy/dagster.postgres.yaml reads."""
        return {"DAGSTER_PG_HOST": self.host, "DAGSTER_PG_PORT": str(self.port), "DAGSTER_PG_DB": DATABASE,
                "DAGSTER_PG_USERNAME": USER, "DAGSTER_PG_PASSWORD": self.password}

    def _run(self, *cmd: str) -> None:
        result = subprocess.run([*self._as, *cmd], capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(cmd)}: {result.returncode}\n{result.stderr[-2000:]}\n{log}")

    def start(self) -> None:
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        if self._as:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(pwfile, "postgres", "postgres")
        self.root.chmod(0o700)
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", USER, "--pwfile", str(pwfile),
                  "--auth", "scram-sha-256", "--encoding", "UTF8", "--locale", "C")
        pwfile.unlink()
        options = f"-p {self.port} -k {self.root} -c listen_addresses={self.host} -c fsync=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        import psycopg2

        conn = psycopg2.connect(host=self.host, port=self.port, user=USER, password=self.password, dbname="postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE {DATABASE}")
        conn.close()

    def connect(self):
        import psycopg2

        return psycopg2.connect(host=self.host, port=self.port, user=USER, password=self.password, dbname=DATABASE)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
