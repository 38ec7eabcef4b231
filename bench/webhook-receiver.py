#!/usr/bin/env python3
"""A webhook receiver for bench/run.sh (WEBHOOK=1): takes Redirector's POSTs on 127.0.0.1:<port>/hook (one event or a
JSON array of them), answers 204, and keeps, per distinct event id, the delivery lag: arrival time minus the click's
"data.time". GET /stats answers {"requests", "events", "distinct", "lag_p50_ms", "lag_p99_ms", "lag_max_ms"}.
Signatures are checked by the test suite (tests/Redirector.Tests/Webhooks), not here, to keep the receiver cheap.
Usage: webhook-receiver.py <port>"""
import json
import sys
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
lags = {}
totals = {"requests": 0, "events": 0}


def lag_ms(event, now):
    text = event.get("data", {}).get("time") or event.get("timestamp")
    at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (now - at).total_seconds() * 1000


def percentile(values, p):
    if not values:
        return 0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p))], 1)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        now = datetime.now(timezone.utc)
        parsed = json.loads(body)
        events = parsed if isinstance(parsed, list) else [dict(parsed, id=self.headers.get("webhook-id"))]
        with lock:
            totals["requests"] += 1
            totals["events"] += len(events)
            for event in events:
                lags.setdefault(event["id"], lag_ms(event, now))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        with lock:
            values = list(lags.values())
            stats = dict(totals, distinct=len(values), lag_p50_ms=percentile(values, 0.50),
                         lag_p99_ms=percentile(values, 0.99), lag_max_ms=percentile(values, 1.0))
        body = json.dumps(stats).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
