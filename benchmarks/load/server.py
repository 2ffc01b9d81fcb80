"""The deployment under test: app replicas, the shipped nginx in front, their CPU and memory.

Loopback only. :class:`Deployment` starts ``replicas`` Streamlit processes (and, for more
than one, nginx with ``deploy/nginx.conf``, only its ports and paths changed), waits until
they answer, and stops everything it started.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port(taken: tuple[int, ...] = ()) -> int:
    """A free loopback port picked by the OS, not one of ``taken`` (chosen, not yet bound)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in taken:
            return port


def start_server(port: int, env: dict | None = None) -> subprocess.Popen:
    log = open(Path(tempfile.gettempdir()) / f"load_test_streamlit_{port}.log", "wb")  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, **(env or {})})


def start_nginx(front: int, backends: list[int], workdir: Path) -> subprocess.Popen:
    """nginx in front of the replicas, with the shipped ``deploy/nginx.conf`` (sticky by the
    browser's XSRF cookie, websocket headers): only the ports and paths are changed."""
    exe = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(exe).exists():
        raise SystemExit("nginx is missing (apt-get install nginx) for --replicas > 1")
    conf = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    servers = "".join(f"        server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;\n"
                      for p in backends)
    conf = re.sub(r"(?:^\s*server 127\.0\.0\.1:\d+[^\n]*\n)+", servers, conf, flags=re.M)
    conf = re.sub(r"^\s*listen \d+;", f"        listen 127.0.0.1:{front};", conf, flags=re.M)
    conf = conf.replace("worker_processes auto;", "worker_processes 1;")
    conf = re.sub(r"/tmp/nginx-colorisation([-.\w]*)", lambda m: f"{workdir}/nginx{m.group(1)}",
                  conf)
    path = workdir / "nginx.conf"
    path.write_text(conf, encoding="utf-8")
    log = open(workdir / "nginx.log", "wb")  # noqa: SIM115
    return subprocess.Popen([exe, "-c", str(path), "-g", "daemon off;"], stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


def wait_healthy(url: str, timeout: float = 90) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(url)


def wait_ready(url: str, timeout: float = 180) -> bool:
    """Wait for the app's readiness check (``/_stcore/script-health-check``: every screen
    opened once by the server itself, ui/warm.py), as the deploy files do. False when the
    app has none (an older checkout: HTTP 404)."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/script-health-check", timeout=timeout) as r:
            return r.status == 200
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return False
        raise


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/PID/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class MemoryWatch(threading.Thread):
    """Peak VmRSS (MiB) of processes (the replicas) and their children, every 0.25 s."""

    def __init__(self, pids: list[int]):
        super().__init__(daemon=True)
        self.pids, self.peak, self.samples, self.stop_flag = pids, 0.0, [], False

    @classmethod
    def total_mib(cls, pids: list[int]) -> float:
        return sum(cls.rss_mib(p) for p in pids)

    @staticmethod
    def rss_mib(pid: int) -> float:
        total = 0.0
        pids = [pid]
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            pids += [int(c) for c in children]
        except OSError:
            pass
        for p in pids:
            try:
                for line in Path(f"/proc/{p}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) / 1024
            except OSError:
                continue
        return total

    def run(self) -> None:
        while not self.stop_flag and self.pids:
            m = self.total_mib(self.pids)
            self.samples.append(m)
            self.peak = max(self.peak, m)
            time.sleep(0.25)


class Deployment:
    """``replicas`` app processes on loopback, behind nginx when there are several.

    Replicas of one machine share its training slots (``core.admission.MachineSlots``), as
    deploy/README.md says to configure them. Use as a context manager; ``url`` is what the
    students open, ``backends`` the replicas themselves, ``pids`` their processes.
    """

    def __init__(self, replicas: int = 1, url: str | None = None, pid: int | None = None,
                 env: dict | None = None, ready: bool = True):
        self.replicas, self.procs, self.ready = replicas, [], ready
        self.url, self.pids, self.backends = url, [pid] if pid else [], [url] if url else []
        self.env = dict(env or {})
        self.workdir = Path(tempfile.mkdtemp(prefix="load_test_"))
        # nginx's workers (user nobody when started as root) use its temp dirs
        self.workdir.chmod(0o755)

    def __enter__(self) -> Deployment:
        if self.url is None:
            env = dict(self.env)
            if self.replicas > 1:
                env["COLORISATION_TRAIN_SLOT_DIR"] = str(self.workdir / "slots")
            ports: list[int] = []
            for _ in range(self.replicas):
                ports.append(free_port(tuple(ports)))
                self.procs.append(start_server(ports[-1], env))
            self.pids = [p.pid for p in self.procs]
            self.backends = [f"http://127.0.0.1:{p}" for p in ports]
            self.url = self.backends[0]
            if self.replicas > 1:
                front = free_port(tuple(ports))
                self.procs.append(start_nginx(front, ports, self.workdir))
                self.url = f"http://127.0.0.1:{front}"
        try:
            for b in self.backends:
                wait_healthy(b)
                if self.ready:  # every screen warmed (ui/warm.py), as the deploy files wait
                    wait_ready(b)
            wait_healthy(self.url)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        for proc in self.procs:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)
