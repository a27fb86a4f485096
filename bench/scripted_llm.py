"""A scripted OpenAI chat-completions server for bench/agent_steps.sh.

Answers the first STEPS requests with one tool call (TOOL: `think` or `terminal`), then
`finish`. Records when each request arrives; GET /stats returns the median time between
two requests (what coffer spends per agent step around the model) and the request count.
Prints `port N` on stdout when ready.
"""

import json
import os
import socket
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STEPS = int(os.environ.get("STEPS", "100"))
TOOL = os.environ.get("TOOL", "think")
ARRIVALS = []
LOCK = threading.Lock()


def answer(n):
    if n < STEPS:
        if TOOL == "terminal":
            name, args = "terminal", {"command": f"echo {n}"}
        else:
            name, args = "think", {"thought": f"step {n}"}
        message = {"role": "assistant", "content": None, "tool_calls": [
            {"id": f"call_{n}", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}]}
    else:
        message = {"role": "assistant", "content": None, "tool_calls": [
            {"id": f"call_{n}", "type": "function", "function": {"name": "finish", "arguments": json.dumps({"message": "done"})}}]}
    return {"id": f"chatcmpl-{n}", "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}],
            "usage": {"prompt_tokens": 1000, "completion_tokens": 50}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body are separate writes: without this, Nagle + delayed ACK add 40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args):
        pass

    def reply(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        now = time.perf_counter()
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with LOCK:
            ARRIVALS.append(now)
            n = len(ARRIVALS) - 1
        self.reply(answer(n))

    def do_GET(self):
        with LOCK:
            gaps = [b - a for a, b in zip(ARRIVALS, ARRIVALS[1:])]
        self.reply({"requests": len(ARRIVALS), "median_gap_ms": statistics.median(gaps) * 1e3 if gaps else None})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"port {server.server_address[1]}", flush=True)
server.serve_forever()
