#!/usr/bin/env python3
"""A pin-messaging webhook receiver, Python standard library only.

    PIN_WEBHOOK_SECRET=... python3 receiver.py [port]

Each delivery is `{"events": [...]}`, one or more events (up to 100).
Verifies `Pin-Signature: t=<unix>,v1=<hex>` (HMAC-SHA256 of "<t>.<body>")
over the whole body, refuses timestamps more than 5 minutes away, then
processes each event id once (deliveries are at least once) and prints each
new event as one JSON line. Answer 2xx only once every event is handled:
any other answer sends the whole batch again. A real receiver keeps the
seen ids in its database, not in memory.
"""
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = os.environ["PIN_WEBHOOK_SECRET"].encode()
TOLERANCE_SECONDS = 300
seen = set()
seen_lock = threading.Lock()


def verified(header, body):
    fields = [item.split("=", 1) for item in (header or "").split(",") if "=" in item]
    t = next((v for k, v in fields if k.strip() == "t"), "")
    if not t.isdigit() or abs(time.time() - int(t)) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(SECRET, t.encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(k.strip() == "v1" and hmac.compare_digest(v.strip(), expected) for k, v in fields)


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if not verified(self.headers.get("Pin-Signature"), body):
            self.send_response(400)
            self.end_headers()
            return
        for event in json.loads(body)["events"]:
            # Deliveries come in concurrently: one event is handled at a time (the check, the
            # handling and the record, as a real receiver does in one transaction), so a retry of
            # an event already handled is only acknowledged, and printed lines never interleave.
            with seen_lock:
                if event["id"] not in seen:
                    print(json.dumps(event), flush=True)
                    seen.add(event["id"])
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8787
    server = ThreadingHTTPServer(("127.0.0.1", port), Receiver)
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()
