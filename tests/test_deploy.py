"""Deployment files: nginx config valid (nginx -t), Dockerfile and Kubernetes manifest sane."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from streamlit import config as st_config

from core.images import MAX_BYTES

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def _nginx() -> str:
    exe = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    assert exe, "nginx is not installed (scripts/test.sh installs it)"
    return exe


def test_nginx_config_is_valid():
    res = subprocess.run([_nginx(), "-t", "-c", str(DEPLOY / "nginx.conf")],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    assert "syntax is ok" in res.stderr


def test_nginx_sticky_websocket_and_upload_limit():
    conf = (DEPLOY / "nginx.conf").read_text()
    # Sticky sessions (state lives in a replica), per browser even behind a school NAT.
    assert re.search(r"^\s*hash \$cookie__streamlit_xsrf consistent;", conf, re.M)
    assert not re.search(r"^\s*ip_hash;", conf, re.M)
    assert "proxy_set_header Host $http_host;" in conf  # the port too: same-origin websocket
    assert "proxy_set_header Upgrade $http_upgrade;" in conf
    assert "proxy_set_header Connection $connection_upgrade;" in conf
    size = re.search(r"client_max_body_size (\d+)m;", conf)
    assert size and int(size.group(1)) * 1024 * 1024 == MAX_BYTES
    assert len(re.findall(r"^\s*server 127\.0\.0\.1:\d+", conf, re.M)) >= 2


def test_dockerfile():
    text = (ROOT / "Dockerfile").read_text()
    assert text.startswith("#") and "FROM python:3.11-slim" in text
    assert "download.pytorch.org/whl/cpu" in text  # CPU torch, not 2 GB of CUDA
    assert "EXPOSE 8501" in text
    assert "HEALTHCHECK" in text and "/_stcore/health" in text
    options = set(st_config.get_config_options())
    flags = re.findall(r'"--([a-zA-Z]+\.[a-zA-Z]+)=', text)
    assert len(flags) >= 6
    unknown = [f for f in flags if f not in options]
    assert not unknown, f"not Streamlit options: {unknown}"
    assert f"--server.maxUploadSize={MAX_BYTES // 2**20}" in text
    assert "--server.scriptHealthCheckEnabled=true" in text  # the readiness check (ui/warm.py)


def test_dockerignore_keeps_secrets_and_junk_out():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".git", "**/__pycache__", "screenshots"):
        assert entry in ignored


def test_kubernetes_manifest():
    text = (DEPLOY / "k8s.yaml").read_text()
    docs = [d for d in text.split("\n---\n") if d.strip()]
    kinds = [re.search(r"^kind: (\w+)", d, re.M).group(1) for d in docs]
    assert kinds == ["Deployment", "Service", "Ingress"]
    assert "\t" not in text  # YAML forbids tabs
    deployment, service, ingress = docs
    assert int(re.search(r"^  replicas: (\d+)", deployment, re.M).group(1)) >= 2
    assert "containerPort: 8501" in deployment
    # ready once every screen is warm (ui/warm.py); alive while it answers at all
    assert re.search(r"readinessProbe:\n\s+httpGet: \{path: /_stcore/script-health-check",
                     deployment)
    assert re.search(r"livenessProbe:\n\s+httpGet: \{path: /_stcore/health", deployment)
    assert re.search(r"^  sessionAffinity: ClientIP$", service, re.M)
    assert "nginx.ingress.kubernetes.io/affinity: cookie" in ingress


def test_nginx_never_logs_run_tokens():
    """A live-training URL carries its run's secret token (?run=): no access log, and an
    error log level that does not print request lines."""
    conf = (DEPLOY / "nginx.conf").read_text()
    assert not re.search(r"^\s*access_log (?!off;)", conf, re.M)
    assert re.search(r"^\s*access_log off;", conf, re.M)
    levels = re.findall(r"^\s*error_log \S+ (\w+);", conf, re.M)
    assert levels and set(levels) <= {"crit", "alert", "emerg"}
