"""Client-compatibility check: drive a coffer (or original agent-server) instance
through the real openhands-sdk 1.58.2 RemoteWorkspace client.

Usage: python openhands_sdk_check.py BASE_URL
Prints one PASS/FAIL line per check, then `compat: N passed, M failed`.
Exit status 0 only when every check passed.
"""

import base64
import hashlib
import os
import sys
import traceback

# Offline and quiet: no LiteLLM cost-map download, no SDK banner.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("OPENHANDS_SUPPRESS_BANNER", "1")

import httpx  # noqa: E402
from cryptography.fernet import Fernet, InvalidToken  # noqa: E402
from openhands.sdk.secret import LookupSecret  # noqa: E402
from openhands.sdk.workspace.remote.base import RemoteWorkspace  # noqa: E402

SESSION_KEY = "compat-session-key"
SECRET_KEY = b"compat-secret-key"
LLM_KEY = "sk-compat-123"
MODEL = "openai/gpt-4o-mini"
BASE_URL = "http://127.0.0.1:9/v1"
GH_VALUE = "ghp-compat-value"

if len(sys.argv) != 2:
    sys.exit(__doc__)
URL = sys.argv[1].rstrip("/")
HTTP = httpx.Client(base_url=URL, headers={"X-Session-API-Key": SESSION_KEY}, timeout=30)
WS = RemoteWorkspace(host=URL, working_dir="/tmp", api_key=SESSION_KEY)

CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def expect_status(resp, status):
    expect(resp.status_code == status,
           f"{resp.request.method} {resp.request.url.path}: HTTP {resp.status_code}, "
           f"expected {status}: {resp.text[:300]}")


# ── setup over plain HTTP (the SDK has no write methods) ─────────────────────

@check
def setup_patch_settings():
    diff = {
        "llm": {"model": MODEL, "api_key": LLM_KEY, "base_url": BASE_URL},
        "mcp_config": {"fetch": {"command": "uvx", "args": ["mcp-server-fetch"],
                                 "env": {"FETCH_TOKEN": "tok-compat"}}},
    }
    expect_status(HTTP.patch("/api/settings", json={"agent_settings_diff": diff}), 200)


@check
def setup_put_secrets():
    for body in ({"name": "GITHUB_TOKEN", "value": GH_VALUE, "description": "GitHub token"},
                 {"name": "OTHER_SECRET", "value": "other-value"}):
        expect_status(HTTP.put("/api/settings/secrets", json=body), 200)


# ── RemoteWorkspace.get_llm ──────────────────────────────────────────────────

@check
def get_llm_default():
    llm = WS.get_llm()
    expect(llm.model == MODEL, f"model {llm.model!r} != {MODEL!r}")
    expect(llm.base_url == BASE_URL, f"base_url {llm.base_url!r} != {BASE_URL!r}")
    expect(llm.api_key is not None and llm.api_key.get_secret_value() == LLM_KEY,
           "api_key is not the value set by PATCH")


@check
def get_llm_overrides():
    llm = WS.get_llm(temperature=0.3, model="openai/gpt-4o")
    expect(llm.model == "openai/gpt-4o", f"model {llm.model!r} not overridden")
    expect(llm.temperature == 0.3, f"temperature {llm.temperature!r} != 0.3")
    expect(llm.api_key is not None and llm.api_key.get_secret_value() == LLM_KEY,
           "api_key lost when applying overrides")


@check
def get_llm_unknown_profile():
    try:
        WS.get_llm(profile_name="nope")
    except FileNotFoundError:
        return
    raise AssertionError("get_llm(profile_name='nope') did not raise FileNotFoundError")


# ── RemoteWorkspace.get_secrets / LookupSecret ───────────────────────────────

@check
def get_secrets_all():
    secrets = WS.get_secrets()
    expect(set(secrets) >= {"GITHUB_TOKEN", "OTHER_SECRET"}, f"names: {sorted(secrets)}")
    for name, desc in (("GITHUB_TOKEN", "GitHub token"), ("OTHER_SECRET", None)):
        s = secrets[name]
        expect(isinstance(s, LookupSecret), f"{name}: {type(s).__name__}, not LookupSecret")
        expect(s.url == f"{URL}/api/settings/secrets/{name}", f"{name}: url {s.url!r}")
        expect(s.headers.get("X-Session-API-Key") == SESSION_KEY,
               f"{name}: headers lack X-Session-API-Key ({sorted(s.headers)})")
        expect(s.description == desc, f"{name}: description {s.description!r} != {desc!r}")


@check
def get_secrets_filtered():
    got = WS.get_secrets(names=["GITHUB_TOKEN", "MISSING"])
    expect(set(got) == {"GITHUB_TOKEN"}, f"names=[GITHUB_TOKEN, MISSING] -> {sorted(got)}")
    got = WS.get_secrets(names=[])
    expect(got == {}, f"names=[] -> {sorted(got)}")


@check
def lookup_secret_get_value():
    value = WS.get_secrets(names=["GITHUB_TOKEN"])["GITHUB_TOKEN"].get_value()
    expect(value == GH_VALUE, "LookupSecret.get_value() did not return the stored value")


@check
def workspace_get_secret_value():
    expect(WS._get_secret_value("GITHUB_TOKEN") == GH_VALUE,
           "_get_secret_value('GITHUB_TOKEN') did not return the stored value")
    expect(WS._get_secret_value("NO_SUCH_SECRET") is None,
           "_get_secret_value of an unknown name is not None")


# ── RemoteWorkspace.get_mcp_config ───────────────────────────────────────────

@check
def get_mcp_config():
    servers = WS.get_mcp_config()
    expect("fetch" in servers, f"servers: {sorted(servers)}")
    env = servers["fetch"].env or {}
    token = env.get("FETCH_TOKEN")
    token = token.get_secret_value() if hasattr(token, "get_secret_value") else token
    expect(token == "tok-compat", f"fetch env FETCH_TOKEN is {token!r}, expected 'tok-compat'")


# ── encrypted exposure mode (Fernet under SHA-256(OH_SECRET_KEY)) ────────────

def settings_api_key(mode):
    resp = HTTP.get("/api/settings", headers={"X-Expose-Secrets": mode})
    expect_status(resp, 200)
    return resp.json()["agent_settings"]["llm"]["api_key"]


@check
def encrypted_roundtrip():
    token = settings_api_key("encrypted")
    expect(isinstance(token, str) and token.startswith("gAAAAA"),
           "encrypted api_key does not look like a Fernet token")
    fernet = Fernet(base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY).digest()))
    try:
        plain = fernet.decrypt(token)
    except InvalidToken:
        raise AssertionError("token does not decrypt under SHA-256(OH_SECRET_KEY)") from None
    expect(plain == LLM_KEY.encode(), "token decrypts, but not to the api_key")
    diff = {"agent_settings_diff": {"llm": {"api_key": token}}}
    expect_status(HTTP.patch("/api/settings", json=diff), 200)
    expect(settings_api_key("plaintext") == LLM_KEY,
           "after PATCHing the token back, plaintext api_key is not the original value")


# ── authentication ───────────────────────────────────────────────────────────

@check
def wrong_api_key_401():
    bad = RemoteWorkspace(host=URL, working_dir="/tmp", api_key="wrong-key")
    try:
        bad.get_secrets()
    except httpx.HTTPStatusError as e:
        expect(e.response.status_code == 401, f"status {e.response.status_code}, expected 401")
        return
    raise AssertionError("get_secrets() with a wrong api_key did not raise")


# ── conversations: events in the SDK's own models ────────────────────────────

def scripted_llm():
    """A local OpenAI chat-completions server: `think`, then `finish`."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            seen.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            n = len(seen) - 1
            name, args = ("think", {"thought": "compat"}) if n == 0 else ("finish", {"message": "compat-ok"})
            body = json.dumps({
                "id": f"chatcmpl-{n}",
                "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                    "role": "assistant", "content": None, "tool_calls": [{
                        "id": f"call_{n}", "type": "function",
                        "function": {"name": name, "arguments": json.dumps(args)}}]}}],
                "usage": {"prompt_tokens": 100, "completion_tokens": 10},
            }).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


@check
def conversation_events_validate_as_sdk_events():
    import tempfile
    import time

    import openhands.sdk.tool.builtins  # noqa: F401 - registers FinishAction, ThinkAction
    from openhands.sdk.event.base import Event

    server, seen = scripted_llm()
    llm_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    body = {
        "agent": {"kind": "Agent", "tools": [],
                  "llm": {"model": MODEL, "base_url": llm_url, "api_key": LLM_KEY, "usage_id": "agent"}},
        "workspace": {"working_dir": tempfile.mkdtemp(prefix="coffer-compat-")},
        "secrets": {"COMPAT_STATIC": {"kind": "StaticSecret", "value": "compat-static-value"}},
        "initial_message": {"role": "user", "content": [{"type": "text", "text": "go"}], "run": True},
    }
    r = HTTP.post("/api/conversations", json=body)
    expect_status(r, 201)
    info = r.json()
    expect(info["agent"]["llm"]["api_key"] is None, "api_key shown")
    expect(info["secret_registry"]["secret_sources"]["COMPAT_STATIC"]["value"] is None, "value shown")
    cid = info["id"]
    deadline = time.time() + 30
    while True:
        status = HTTP.get(f"/api/conversations/{cid}").json()["execution_status"]
        if status not in ("idle", "running"):
            break
        expect(time.time() < deadline, f"still {status} after 30 s")
        time.sleep(0.05)
    expect(status == "finished", f"ended {status}")
    expect(seen[0]["tools"][0]["function"]["name"] == "finish", f"tools offered: {seen[0]['tools']}")
    final = HTTP.get(f"/api/conversations/{cid}/agent_final_response").json()
    expect(final == {"response": "compat-ok"}, f"final response {final}")
    items = HTTP.get(f"/api/conversations/{cid}/events/search").json()["items"]
    kinds = [type(Event.model_validate(item)).__name__ for item in items]
    expect(kinds == ["MessageEvent", "ActionEvent", "ObservationEvent", "ActionEvent"], f"events {kinds}")
    expect_status(HTTP.delete(f"/api/conversations/{cid}"), 200)
    server.shutdown()


def main():
    failed = 0
    for fn in CHECKS:
        try:
            fn()
            print(f"PASS {fn.__name__}", flush=True)
        except Exception as e:  # noqa: BLE001 - every failure is reported by name
            failed += 1
            detail = str(e) if isinstance(e, AssertionError) else f"{type(e).__name__}: {e}"
            print(f"FAIL {fn.__name__}: {detail[:500]}", flush=True)
            if not isinstance(e, AssertionError):
                ours = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == __file__]
                print(f"     at line {ours[-1].lineno}: {ours[-1].line}", flush=True)
    print(f"compat: {len(CHECKS) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
