"""gunicorn settings for the web API (`gunicorn --config web/gunicorn_conf.py "web:create_app()"`)."""

import os

from prometheus_client import multiprocess

bind = os.environ.get("WEB_BIND") or f"127.0.0.1:{os.environ.get('WEB_PORT', '8000')}"
workers = int(os.environ.get("WEB_WORKERS", "2"))
# Threads let a worker keep answering polls while another request streams an upload.
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = 60
graceful_timeout = 20
keepalive = 5
# Every gunicorn 27 instance otherwise shares one control socket under ~/.gunicorn.
control_socket_disable = True
accesslog = None  # the app logs each request as a JSON line
# gunicorn's own reading of X-Forwarded-Proto: only with proxies in front (TRUSTED_PROXIES), as ProxyFix.
forwarded_allow_ips = "*" if int(os.environ.get("TRUSTED_PROXIES") or 0) > 0 else "127.0.0.1,::1"
max_requests = 5000
max_requests_jitter = 500


def child_exit(server, worker):
    """Prometheus multiprocess mode: forget the gauges of a worker that is gone."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
