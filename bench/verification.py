"""Public verification page under load: ratios, not pass/fail.

A certificate's public page (`GET /verifikasi-dokumen/<token>`, what a QR code opens: rendered by the
app once — one indexed query for the document, the certificate with its events, scheme, body — and then
answered from the public page cache in front of Flask, app/verification/page_cache.py, in the
production configuration's Redis store, after counting the visit in the rate limit) served by gunicorn
with the production configuration (APP_CONFIG=production, the README's `--workers 4`), against a bare Flask
app whose one endpoint returns a static string, served by the same gunicorn command line, in the same
run, interleaved (bare, page, bare, page), each after a warm-up. Issue target: the page answers at
least 0.5x the bare endpoint's requests per second.

Load: `wrk` when installed; otherwise this module's own generator (N processes x M threads, one
HTTP/1.1 request per connection, as gunicorn's sync workers close each connection). On the 2-core
machine the generator shares the cores with the server, so the bare figure is partly the generator's
limit; the server CPU time per request (from /proc, the workers' user+system time) is printed too.

Rate limiting: the page is rate-limited per client address (PUBLIC_LOOKUP_LIMIT, 60 per minute); all
of this load comes from 127.0.0.1, so the bench raises the limit to 10,000,000 per minute for its
server only (the limiter itself still runs on every request, as in production). Its storage is a
Redis server started for the run when `redis-server` is installed (as in production, where four
workers must share one count), else memory://. Every page answer is checked to be a 200.

Runs on a temporary SQLite file, and on PostgreSQL too when BENCH_DATABASE_URL is set (a SCRATCH
database: its tables are dropped). BENCH_QUICK=1 shortens each run to 3 s.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUICK = os.environ.get("BENCH_QUICK") == "1"
SECONDS = 3.0 if QUICK else 8.0
WARM_UP_SECONDS = 1.0
ROUNDS = 2
WORKERS = 4  # README: gunicorn --workers 4
CLIENT_PROCESSES = 2
CLIENT_THREADS = 8
TARGET = 0.5
BENCH_LOOKUP_LIMIT = "10000000 per minute"


def bare_app():
    """The baseline: a bare Flask app returning a static string (gunicorn "bench.verification:bare_app()")."""
    from flask import Flask

    app = Flask("bare")

    @app.get("/")
    def hello():
        return "Halo"

    return app


# --- Data --------------------------------------------------------------------------------------------


def _certificate(url: str, files: Path) -> str:
    """A scratch database with one issued certificate (its signed PDF stored); its public token."""
    from app import create_app
    from bench.sttp import _config
    from tests.credential_factories import create_holder

    class Config(_config(url, files)):
        SIGNING_DIR = str(files / "signing")

    app = create_app(Config)
    with app.app_context():
        from app.extensions import db
        from app.reference.catalogues import seed_catalogues
        from app.reference.regions import import_regions

        db.drop_all()
        db.create_all()
        seed_catalogues()
        import_regions()
        db.session.commit()
    holder = create_holder(app)
    with app.app_context():
        from weasyprint import HTML

        from app.core.actors import SYSTEM
        from app.credentials.models import Certificate
        from app.documents import issuing, signing
        from app.extensions import db

        certificate = db.session.get(Certificate, holder.certificate_id)
        data = signing.sign_pdf("LSPS", HTML(string=f"<p>{certificate.number}</p>").write_pdf())
        issuing.complete(certificate.document, hashlib.sha256(data).hexdigest(), SYSTEM)
        db.session.commit()
        token = certificate.token
        db.session.remove()
        db.engine.dispose()
    return token


# --- Servers -----------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Redis:
    """A throw-away Redis server for the limiter's counts (None when redis-server is not installed)."""

    def __init__(self):
        self.port = _free_port()
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def _environment(url: str, files: Path, limiter_storage: str) -> dict:
    """The production configuration, with what it requires from the environment."""
    return {
        **os.environ,
        "APP_CONFIG": "production",
        "SECRET_KEY": "bench-" + "s" * 40,
        "DATA_ENCRYPTION_KEY": "bench-" + "d" * 40,
        "AUDIT_CHAIN_KEY": "bench-" + "a" * 40,
        "DATABASE_URL": url,
        "INSTANCE_DIR": str(files / "instance"),
        "HUEY_BACKEND": "sqlite",
        "HUEY_SQLITE_PATH": str(files / "huey.sqlite3"),
        "SIGNING_DIR": str(files / "signing"),
        "CERTIFICATES_DIR": str(files / "certificates"),
        "RATELIMIT_STORAGE_URI": limiter_storage,
        # All the load comes from one address: the bench's server only lets it through.
        "PUBLIC_LOOKUP_LIMIT": BENCH_LOOKUP_LIMIT,
        "PYTHONPATH": str(ROOT),
    }


class Server:
    def __init__(self, target: str, env: dict):
        self.port = _free_port()
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "--workers",
                str(WORKERS),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                target,
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"gunicorn {target} exited with {self.process.returncode}") from None
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn {target} did not start")

    def cpu_seconds(self) -> float:
        """User + system time of the master and its workers so far."""
        total = 0.0
        tick = os.sysconf("SC_CLK_TCK")
        for pid in [self.process.pid, *_children(self.process.pid)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        return total

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


# --- Load --------------------------------------------------------------------------------------------

_STATUS = re.compile(rb"HTTP/1\.[01] (\d{3})")


def _client_thread(port: int, request: bytes, stop_at: float, counts: dict, lock: threading.Lock) -> None:
    ok = bad = 0
    while time.monotonic() < stop_at:
        with socket.create_connection(("127.0.0.1", port)) as connection:
            connection.sendall(request)
            chunks = []
            while True:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        match = _STATUS.match(b"".join(chunks[:1]))
        if match and match.group(1) == b"200":
            ok += 1
        else:
            bad += 1
    with lock:
        counts["ok"] += ok
        counts["bad"] += bad


def _client_process(port: int, path: str, seconds: float, queue) -> None:
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
    counts, lock = {"ok": 0, "bad": 0}, threading.Lock()
    stop_at = time.monotonic() + seconds
    threads = [
        threading.Thread(target=_client_thread, args=(port, request, stop_at, counts, lock))
        for _ in range(CLIENT_THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put(counts)


def _python_load(port: int, path: str, seconds: float) -> tuple[int, int]:
    queue = multiprocessing.get_context("fork").Queue()
    processes = [
        multiprocessing.get_context("fork").Process(target=_client_process, args=(port, path, seconds, queue))
        for _ in range(CLIENT_PROCESSES)
    ]
    for process in processes:
        process.start()
    results = [queue.get() for _ in processes]
    for process in processes:
        process.join()
    return sum(r["ok"] for r in results), sum(r["bad"] for r in results)


def _wrk_load(port: int, path: str, seconds: float) -> tuple[int, int]:
    output = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{max(int(seconds), 1)}s", f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    total = int(re.search(r"(\d+) requests in", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    bad = int(non_2xx.group(1)) if non_2xx else 0
    return total - bad, bad


def _load(server: Server, path: str, seconds: float) -> dict:
    load = _wrk_load if shutil.which("wrk") else _python_load
    cpu_before, started = server.cpu_seconds(), time.perf_counter()
    ok, bad = load(server.port, path, seconds)
    elapsed, cpu = time.perf_counter() - started, server.cpu_seconds() - cpu_before
    return {"rps": ok / elapsed, "ok": ok, "bad": bad, "cpu_ms": cpu * 1000 / max(ok + bad, 1)}


def bench_load(url: str, files: Path, label: str) -> None:
    token = _certificate(url, files)
    redis = Redis() if shutil.which("redis-server") else None
    env = _environment(url, files, redis.url if redis else "memory://")
    page_path = f"/verifikasi-dokumen/{token}"
    bare_server = Server("bench.verification:bare_app()", env)
    app_server = Server("app:create_app()", env)
    targets = {
        "bare": (bare_server, "/"),
        "page": (app_server, page_path),
        "healthz": (app_server, "/healthz"),  # for information: the app's own floor
    }
    results: dict[str, list[dict]] = {name: [] for name in targets}
    try:
        for server, path in targets.values():
            _load(server, path, WARM_UP_SECONDS)
        for _ in range(ROUNDS):
            for name, (server, path) in targets.items():
                results[name].append(_load(server, path, SECONDS))
    finally:
        bare_server.stop()
        app_server.stop()
        if redis is not None:
            redis.stop()
    bad = sum(r["bad"] for runs in results.values() for r in runs)
    rps = {name: statistics.median(r["rps"] for r in runs) for name, runs in results.items()}
    cpu = {name: statistics.median(r["cpu_ms"] for r in runs) for name, runs in results.items()}
    tool = (
        "wrk -t2 -c16" if shutil.which("wrk") else f"Python {CLIENT_PROCESSES}x{CLIENT_THREADS} connections"
    )
    print(
        f"  {label}: gunicorn --workers {WORKERS}, APP_CONFIG=production, load by {tool}, "
        f"{SECONDS:.0f} s x {ROUNDS}; limiter storage {'Redis' if redis else 'memory'}"
    )
    print(f"    bare Flask endpoint: {rps['bare']:.0f} req/s (server CPU {cpu['bare']:.2f} ms/request)")
    print(
        f"    certificate's verification page: {rps['page']:.0f} req/s "
        f"(server CPU {cpu['page']:.2f} ms/request)"
    )
    print(f"    ratio {rps['page'] / rps['bare']:.2f}x (target >= {TARGET}x); answers other than 200: {bad}")
    print(
        f"    for information, this app's /healthz (SELECT 1, no rate limit): {rps['healthz']:.0f} req/s "
        f"(server CPU {cpu['healthz']:.2f} ms/request), {rps['healthz'] / rps['bare']:.2f}x the bare endpoint"
    )


def main() -> None:
    print(f"Verification page under load (cores: {os.cpu_count()})")
    with tempfile.TemporaryDirectory() as tmp:
        files = Path(tmp)
        bench_load(f"sqlite:///{files / 'bench.sqlite3'}", files, "SQLite")
        url = os.environ.get("BENCH_DATABASE_URL")
        if url:
            (files / "pg").mkdir()
            bench_load(url, files / "pg", "PostgreSQL")


if __name__ == "__main__":
    main()
