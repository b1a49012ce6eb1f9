#!/usr/bin/env python3
"""Open an HTML file in headless Chromium (through chromedriver's WebDriver
HTTP API, Python standard library only) and print, as JSON, what a person
would see: the page's innerText (which leaves out collapsed <details>
content and display:none elements), the console errors, and the result of
using the page's filter box.

usage: visible.py REPORT.html          (a tck report page: also uses its filter)
       visible.py PAGE.html --plain     (any page: text, and text with every
                                         <details> opened)
Needs Debian's chromium and chromium-driver.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read().decode())["value"]


def main():
    html = os.path.abspath(sys.argv[1])
    plain = "--plain" in sys.argv[2:]
    driver = shutil.which("chromedriver")
    browser = shutil.which("chromium")
    if not driver or not browser:
        sys.exit("chromium and chromedriver are needed: apt-get install chromium chromium-driver")
    port = free_port()
    profile = tempfile.mkdtemp(prefix="tck-chromium-")
    proc = subprocess.Popen([driver, f"--port={port}"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                call(port, "GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {"binary": browser,
                                   "args": FLAGS + [f"--user-data-dir={profile}"]}}}}
        session = call(port, "POST", "/session", caps)["sessionId"]
        try:
            start = time.monotonic()
            call(port, "POST", f"/session/{session}/url", {"url": "file://" + html})
            load_seconds = time.monotonic() - start

            def run(script):
                return call(port, "POST", f"/session/{session}/execute/sync",
                            {"script": script, "args": []})
            result = {"load_seconds": load_seconds,
                      "title": run("return document.title"),
                      "text": run("return document.body.innerText")}
            if plain:
                result["expanded_text"] = run(
                    "document.querySelectorAll('details').forEach(function (d) { d.open = true; });"
                    "return document.body.innerText")
            else:
                report_page(run, result)
            try:
                logs = call(port, "POST", f"/session/{session}/se/log", {"type": "browser"})
            except Exception:
                logs = []
            result["console_errors"] = [l.get("message", "") for l in logs
                                        if l.get("level") == "SEVERE"]
            print(json.dumps(result))
        finally:
            call(port, "DELETE", f"/session/{session}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)


def report_page(run, result):
    """The report page's own controls: the filter and the expand button."""
    # Use the filter: only scripts matching it stay visible.
    result["filtered_text"] = run(
        "var f = document.getElementById('filter'); f.value = 'skipall';"
        "f.dispatchEvent(new Event('input'));"
        "return document.getElementById('scripts').innerText")
    result["expanded_text"] = run(
        "var f = document.getElementById('filter'); f.value = '';"
        "f.dispatchEvent(new Event('input'));"
        "document.getElementById('expand').click();"
        "return document.getElementById('scripts').innerText")


if __name__ == "__main__":
    main()
