"""gunicorn settings for the web API (`gunicorn --config web/gunicorn_conf.py "web:create_app()"`)."""

import os

from gunicorn import util
from prometheus_client import multiprocess

bind = os.environ.get("WEB_BIND") or f"127.0.0.1:{os.environ.get('WEB_PORT', '8000')}"
workers = int(os.environ.get("WEB_WORKERS", "2"))
# gevent: each connection is a greenlet that waits for its bytes without holding a thread, so clients that send
# their headers or uploads slowly (or stall) cannot take every worker away from /healthz and polling
# (bench/slow_clients.py measures it). WEB_WORKER_CLASS=gthread is the thread-per-request alternative.
worker_class = os.environ.get("WEB_WORKER_CLASS", "gevent")
worker_connections = 1000
threads = int(os.environ.get("WEB_THREADS", "4"))  # gthread only
timeout = 60
graceful_timeout = 20
keepalive = 5
# Every gunicorn 27 instance otherwise shares one control socket under ~/.gunicorn.
control_socket_disable = True
accesslog = None  # the app logs each request as a JSON line
# gunicorn's own reading of X-Forwarded-Proto: only with proxies in front (TRUSTED_PROXIES), as ProxyFix.
forwarded_allow_ips = "*" if int(os.environ.get("TRUSTED_PROXIES") or 0) > 0 else "127.0.0.1,::1"
# Recycle a worker now and then, against slow leaks in the libraries under it. Not often: a worker's boot (imports
# and create_app) costs about 1.8 CPU seconds, and at 5,000 requests a worker under a poll load of 2,000/s was
# replaced every few seconds, which took a quarter of the two cores (bench/api.py). Its memory holds steady over
# a load run without recycling (bench/api.py prints the growth).
max_requests = 100000
max_requests_jitter = 10000


def child_exit(server, worker):
    """Prometheus multiprocess mode: forget the gauges of a worker that is gone."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    """In each worker, once it has loaded the app (and gevent has patched the standard library): gunicorn's own
    400/414/431 answers in our JSON shape, with our headers (see web/gunicorn_errors.py)."""
    from web import gunicorn_errors

    util.write_error = gunicorn_errors.write_error
