"""A Lua script for the hot paths: the job poll's one round trip and every job write's view (`common.job_cache`).

redis-py's `Script` spends more CPU in its own layers (the retry wrapper, the pool's checkout with its readiness
poll, argument checks) than the round trip costs: about 130 µs a call against 30 µs for the same EVALSHA, packed
by hiredis, on a connection held for it. `HeldScript` takes that short way, on connections it keeps for itself
(made by the client's pool, so with its URL, credentials, TLS and timeouts); anything unusual (the script not
loaded yet, a dropped connection, a timeout) goes the long way, through `Script`, which loads the script and
retries on a fresh connection. A script that ran before its connection dropped may so run twice: the scripts
given here are safe to repeat, but for the poll's count, which may then count one poll twice.
"""

from __future__ import annotations

from typing import Any

import redis
from redis.exceptions import NoScriptError


class HeldScript:
    IDLE_MOST = 64  # connections kept between calls, per process: about the calls one process makes at once

    def __init__(self, client: redis.Redis, source: str) -> None:
        self.pool = client.connection_pool
        self.script = client.register_script(source)
        self.idle: list[Any] = []

    def __call__(self, keys: list[str], args: list[Any]) -> Any:
        connection = self.idle.pop() if self.idle else self.pool.make_connection()
        try:
            connection.send_packed_command(
                connection.pack_command("EVALSHA", self.script.sha, len(keys), *keys, *args)
            )
            reply = connection.read_response()
        except (NoScriptError, redis.ConnectionError, redis.TimeoutError):
            connection.disconnect()
            return self.script(keys=keys, args=args)
        except BaseException:
            connection.disconnect()  # a reply may still be on its way: never reuse it
            raise
        if len(self.idle) < self.IDLE_MOST:
            self.idle.append(connection)
        else:
            connection.disconnect()
        return reply
