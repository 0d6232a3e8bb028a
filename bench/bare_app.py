"""A bare Flask app answering {"ok": true}: the ceiling bench/api.py measures the real API against.

Started by bench/api.py with the project's own gunicorn settings, so workers, threads and keep-alive match:

    WEB_PORT=8099 .venv/bin/gunicorn --config web/gunicorn_conf.py bench.bare_app:app
"""

from __future__ import annotations

from flask import Flask, Response, jsonify

app = Flask(__name__)


@app.get("/")
def ok() -> Response:
    """Nothing but the framework: route, JSON body, response."""
    return jsonify(ok=True)
