"""nginx (Debian's package) as this machine's traffic switch: our own master process with its own prefix
and configuration in a folder we give it, never the system's service or its /etc/nginx.

The upstream lives in a file of its own; a switch rewrites it and sends `nginx -s reload`: the master starts
workers with the new upstream and lets the old ones finish the requests they hold, so nothing in flight is
cut. Every answer says which upstream served it (`X-Upstream`), which is how a switch knows it took effect.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

CONF = """\
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    client_max_body_size {max_body_mb}m;
    include {prefix}/upstream.conf;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://kraftd;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_read_timeout 120s;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""

UPSTREAM = "upstream kraftd {{ server 127.0.0.1:{port}; }}\n"


def nginx_binary() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if not found:
        raise RuntimeError("nginx is not installed: scripts/system_deps.sh nginx (make test installs it)")
    return found


@dataclass
class Nginx:
    prefix: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _command(self, *extra: str) -> list[str]:
        return [nginx_binary(), "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf"),
                "-e", str(self.prefix / "error.log"), *extra]  # fmt: skip

    def start(self, upstream_port: int, max_body_mb: int = 26) -> None:
        self.prefix.mkdir(parents=True, exist_ok=True)
        (self.prefix / "upstream.conf").write_text(UPSTREAM.format(port=upstream_port))
        (self.prefix / "nginx.conf").write_text(
            CONF.format(prefix=self.prefix, port=self.port, max_body_mb=max_body_mb)
        )
        subprocess.run(self._command("-t", "-q"), check=True, capture_output=True)
        # In the foreground (`daemon off`), as our child: stopping it is stopping this process.
        self.process = subprocess.Popen(self._command("-g", "daemon off;"), stderr=subprocess.DEVNULL)
        self.wait_serving(upstream_port)

    def switch(self, upstream_port: int, timeout: float = 30.0) -> None:
        """Point the upstream at `upstream_port` and reload; returns once new requests go there and the old
        workers are gone."""
        staged = self.prefix / "upstream.conf.new"
        staged.write_text(UPSTREAM.format(port=upstream_port))
        staged.replace(self.prefix / "upstream.conf")
        before = set(self.workers())
        subprocess.run(self._command("-s", "reload"), check=True, capture_output=True)
        self.wait_serving(upstream_port, timeout)
        # The switch is over when the old workers have finished what they held and exited.
        deadline = time.monotonic() + timeout
        while before & set(self.workers()):
            if time.monotonic() > deadline:
                raise RuntimeError(f"nginx's old workers still run after {timeout}s")
            time.sleep(0.05)

    def workers(self) -> list[int]:
        """The pids of the master's worker processes, from /proc."""
        if self.process is None:
            return []
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                if ppid == self.process.pid:
                    found.append(int(entry.name))
        return found

    def wait_serving(self, upstream_port: int, timeout: float = 30.0) -> None:
        want = f"127.0.0.1:{upstream_port}"
        deadline = time.monotonic() + timeout
        while True:
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).headers.get("X-Upstream") == want:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"nginx does not send to {want} after {timeout}s: {self.error_log()}")
            time.sleep(0.05)

    def error_log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: nginx's fast shutdown
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
