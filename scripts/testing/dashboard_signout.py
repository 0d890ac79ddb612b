"""Drives headless Chromium over the DevTools protocol (a pipe, no extra packages) through the
dashboard's sign-in and sign-out, for deloton's browser tests.

    python3 dashboard_signout.py SIGN_IN_LINK EXPECTED_TEXT

Opens the one-time link, waits until EXPECTED_TEXT (a live rider's name) shows, clicks
"Sign out", then asks the server for /api/live and /events with the browser's own cookies.
Prints one JSON object: {"shown": bool, "after": {"live": status, "events": status},
"signin_form": bool, "text_after": bool}. Exit 0 when the run itself worked.
"""
import json, os, subprocess, sys, tempfile, time

link, expected = sys.argv[1], sys.argv[2]
chromium = next(p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if os.path.exists(p))
to_chrome_r, to_chrome_w = os.pipe()
from_chrome_r, from_chrome_w = os.pipe()
profile = tempfile.mkdtemp(prefix="cdp-")
# Chromium reads commands on fd 3 and writes answers on fd 4.
proc = subprocess.Popen(
    [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
     "--remote-debugging-pipe", f"--user-data-dir={profile}", "about:blank"],
    close_fds=False, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    preexec_fn=lambda: (os.dup2(to_chrome_r, 100), os.dup2(from_chrome_w, 101), os.dup2(100, 3), os.dup2(101, 4)))
os.close(to_chrome_r); os.close(from_chrome_w)
buffer = b""
next_id = 0

def send(method, params=None, session=None):
    global next_id, buffer
    next_id += 1
    message = {"id": next_id, "method": method, "params": params or {}}
    if session: message["sessionId"] = session
    os.write(to_chrome_w, json.dumps(message).encode() + b"\0")
    while True:
        while b"\0" not in buffer:
            chunk = os.read(from_chrome_r, 65536)
            if not chunk: raise RuntimeError("chromium closed the pipe")
            buffer += chunk
        raw, buffer = buffer.split(b"\0", 1)
        answer = json.loads(raw)
        if answer.get("id") == next_id:
            if "error" in answer: raise RuntimeError(f"{method}: {answer['error']}")
            return answer.get("result", {})

def evaluate(session, expression):
    result = send("Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True}, session)
    return result.get("result", {}).get("value")

def wait_for(session, expression, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if evaluate(session, expression): return True
        time.sleep(0.25)
    return False

try:
    target = send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    send("Page.enable", session=session)
    send("Page.navigate", {"url": link}, session)
    shown = wait_for(session, f"document.body && document.body.innerText.includes({json.dumps(expected)})", 30)
    evaluate(session, "document.getElementById('sign-out').click(), true")
    wait_for(session, "location.pathname === '/' && !document.getElementById('signin').hidden", 15)
    live = evaluate(session, "fetch('/api/live').then(r => r.status)")
    events = evaluate(session, "fetch('/events?once=1').then(r => r.status)")
    form = evaluate(session, "!document.getElementById('signin').hidden")
    text_after = evaluate(session, f"document.body.innerText.includes({json.dumps(expected)})")
    print(json.dumps({"shown": shown, "after": {"live": live, "events": events}, "signin_form": form, "text_after": text_after}))
finally:
    proc.kill()
    proc.wait()
