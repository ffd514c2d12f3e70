"""What a Slack Web API call costs the bot: a connection per call (the SDK's own) or kept alive (ours).

    .venv/bin/python benchmarks/slack_calls.py [--calls N] [--threads 1,8]

Starts a local HTTPS server that answers `chat.postMessage` like Slack (a self-signed certificate
made with the `openssl` command for the run, HTTP/1.1 keep-alive as slack.com speaks), then sends
the same calls through the SDK's `WebClient` (urllib: a new TCP connection and TLS handshake per
call) and through `bot.slack.web_client` (`bot.slack_transport`: connections kept open), from 1
and from 8 threads as the request threads and the at-once sender do. Prints, per client and thread
count, the wall time and the calling process's CPU per call (the server runs in a process of its
own), the connections the server accepted, and ours ÷ the SDK's.

On loopback a round trip costs nothing, so the wall time here is the handshake's CPU on both
sides. To slack.com a new connection also waits two network round trips (TCP, then TLS 1.3) before
the request is sent, which this benchmark cannot show and which kept-alive connections skip too.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import ssl
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from slack_sdk import WebClient  # noqa: E402

from bot.settings import load_settings  # noqa: E402
from bot.slack import web_client  # noqa: E402

OPENSSL = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
OPENSSL += ["-addext", "subjectAltName=IP:127.0.0.1"]
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "An issue for the board " * 20}}]


class _Slack(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True  # headers and body leave at once, as a real server sends them
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        with self.server.connections.get_lock():
            self.server.connections.value += 1

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        data = json.dumps({"ok": True, "channel": "C1", "ts": "1700000000.000100"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


def _certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [*OPENSSL, "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


def _post(client: WebClient):
    return client.chat_postMessage(channel="C1", text="An issue", blocks=BLOCKS)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _serve(cert: Path, key: Path, connections, ports) -> None:
    """The Slack stand-in, in a process of its own so its CPU is not counted as the client's."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slack)
    server.daemon_threads = True
    server.connections = connections
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    ports.put(server.server_address[1])
    server.serve_forever()


def _measure(client: WebClient, connections, calls: int, threads: int) -> tuple[float, float, int]:
    before_connections = connections.value
    started, cpu = time.perf_counter(), _cpu()
    with ThreadPoolExecutor(threads) as pool:
        answers = list(pool.map(lambda _: _post(client), range(calls)))
    wall, cpu = time.perf_counter() - started, _cpu() - cpu
    assert all(answer["ok"] for answer in answers)
    return wall / calls * 1000, cpu / calls * 1000, connections.value - before_connections


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--threads", default="1,8")
    args = parser.parse_args(argv)
    levels = [int(part) for part in args.threads.split(",")]

    with tempfile.TemporaryDirectory() as folder:
        cert, key = _certificate(Path(folder))
        connections, ports = multiprocessing.Value("i", 0), multiprocessing.Queue()
        server = multiprocessing.Process(target=_serve, args=(cert, key, connections, ports), daemon=True)
        server.start()
        url = f"https://127.0.0.1:{ports.get(timeout=30)}/api/"
        client_context = ssl.create_default_context(cafile=str(cert))

        sdk = WebClient(token="xoxb-bench", base_url=url, ssl=client_context)
        ours = web_client(
            load_settings(
                _env_file=None,
                database_url="sqlite://",
                slack_bot_token="xoxb-bench",
                slack_signing_secret="bench-secret",
                slack_api_url=url,
            )
        )
        ours.ssl = client_context  # the benchmark's certificate; production uses the system's CAs
        for client in (sdk, ours):
            _measure(client, connections, 20, 1)  # warm up: imports, the first handshake

        print(f"Slack Web API calls over TLS to a local server, {args.calls} chat.postMessage per row")
        print(f"{'client':<26} {'threads':>7} {'wall ms/call':>13} {'cpu ms/call':>12} {'connections':>12}")
        results = {}
        for threads in levels:
            for name, client in (("SDK (a connection a call)", sdk), ("ours (kept alive)", ours)):
                wall, cpu, opened = _measure(client, connections, args.calls, threads)
                results[name, threads] = (wall, cpu)
                print(f"{name:<26} {threads:>7} {wall:>13.2f} {cpu:>12.2f} {opened:>12}")
        print()
        for threads in levels:
            sdk_wall, sdk_cpu = results["SDK (a connection a call)", threads]
            our_wall, our_cpu = results["ours (kept alive)", threads]
            wall_ratio, cpu_ratio = our_wall / sdk_wall, our_cpu / sdk_cpu
            print(f"{threads} thread(s): ours ÷ SDK  wall {wall_ratio:.2f}×  client cpu {cpu_ratio:.2f}×")
        server.terminate()
        server.join()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
