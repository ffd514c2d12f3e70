"""Slack Web API calls over kept-alive connections: one TLS handshake per connection, not per call.

Slack's SDK sends every Web API call through `urllib.request.urlopen`, which opens a new TCP
connection (and, to slack.com, a new TLS handshake: two round trips and a few milliseconds of CPU)
for each call and closes it after. A card posted, a card updated and the raiser's DM are three
calls, each paying for a connection of its own, and `views.open` pays it inside Slack's 3-second
trigger window. Here the same calls go through a `urllib3.PoolManager` (the connection pool
`requests` is built on), which keeps connections open between calls and checks a pooled one is
still alive before reusing it.

Only the SDK's transport step is replaced (`_perform_urllib_http_request_internal`, the one method
the SDK calls per attempt); the SDK still builds the request, parses the answer and runs the retry
handlers, so a 429 still arrives as the `HTTPError` it expects (with Retry-After) and a connection
failure as the `URLError` / `RemoteDisconnected` its connection retry handler knows. A proxy, or a
URL that is not HTTP, goes the SDK's own way.

The pool is per process (gunicorn forks workers; a socket must never be shared across a fork) and
shared by every client in it, including the one Bolt builds for each request
(`handlers.middleware.SessionScopedApp`).
"""

from __future__ import annotations

import io
import os
import threading
from http.client import HTTPMessage, RemoteDisconnected
from urllib.error import HTTPError, URLError
from urllib.request import Request

import urllib3
from slack_sdk import WebClient

# Connections kept per host: as many as the threads that may call Slack at once in one process
# (8 request threads and the at-once sender's); a call beyond that opens one more and drops it.
POOL_SIZE = 16

_lock = threading.Lock()
_pools: dict[tuple[int, int], urllib3.PoolManager] = {}


def shared_pool(ssl_context=None) -> urllib3.PoolManager:
    """This process's pool for this TLS set-up (a new one after a fork: sockets never cross processes)."""
    pid = os.getpid()
    key = (pid, id(ssl_context))
    with _lock:
        pool = _pools.get(key)
        if pool is None:
            for inherited in [other for other in _pools if other[0] != pid]:
                del _pools[inherited]  # a parent's pools, copied by a fork, are never used here
            pool = _pools[key] = urllib3.PoolManager(
                num_pools=4, maxsize=POOL_SIZE, block=False, retries=False, ssl_context=ssl_context
            )
        return pool


class KeptAliveWebClient(WebClient):
    """A `WebClient` whose calls reuse this process's open connections to Slack."""

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict:
        if self.proxy is not None or not url.lower().startswith(("http://", "https://")):
            return super()._perform_urllib_http_request_internal(url, req)
        try:
            response = shared_pool(self.ssl).request(
                req.get_method(),
                url,
                body=req.data,
                headers=dict(req.header_items()),
                timeout=urllib3.Timeout(connect=self.timeout, read=self.timeout),
                retries=False,
                redirect=False,
            )
        except (urllib3.exceptions.ConnectTimeoutError, urllib3.exceptions.NewConnectionError) as exc:
            raise URLError(exc) from exc
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise TimeoutError(str(exc)) from exc
        except urllib3.exceptions.ProtocolError as exc:
            raise RemoteDisconnected(str(exc)) from exc
        except urllib3.exceptions.HTTPError as exc:
            raise URLError(exc) from exc
        headers = HTTPMessage()
        for name, value in response.headers.items():
            headers[name] = value
        if response.status >= 400:
            # What urlopen raises for an error status, which the SDK turns into its 429 handling
            # and SlackApiError.
            raise HTTPError(url, response.status, response.reason or "", headers, io.BytesIO(response.data))
        if headers.get_content_type() == "application/gzip":
            return {"status": response.status, "headers": headers, "body": response.data}
        body = response.data.decode(headers.get_content_charset() or "utf-8")
        return {"status": response.status, "headers": headers, "body": body}


def kept_alive_copy(client: WebClient) -> KeptAliveWebClient:
    """The same client (token, URL, timeout, retry handlers), sending over the shared pool."""
    return KeptAliveWebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=client.headers,
        team_id=client.default_params.get("team_id"),
        logger=client.logger,
        retry_handlers=list(client.retry_handlers or []),
    )
