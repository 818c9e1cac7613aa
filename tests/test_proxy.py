"""`ecourse serve`, and gunicorn as `deploy/ecourse-web.service` runs it, behind a real nginx
with the configuration file `deploy/nginx.conf` ships.

Eight clients, each from its own loopback address (127.0.0.2 to 127.0.0.9), sign up through
nginx's TLS within a minute: each is counted apart by the sign-up rate limit, each consent
row holds that client's own address, and HSTS is sent. Without `ECOURSE_TRUST_PROXY`, a
client that sends X-Forwarded-For itself is still recorded at its real address.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
import requests
import urllib3
from requests.adapters import HTTPAdapter
from sqlalchemy import select

from ecourse.core.db import db
from ecourse.core.models import Consent, Subscriber
from tests.browserkit import wait_until_up
from tests.factories import process_environment, self_signed_certificate
from tests.redisdb import own_database
from tests.smtpserver import free_port

NGINX = "/usr/sbin/nginx"
REDIS = own_database(1)  # the machine's Redis, a database of this test's own
SHIPPED = Path(__file__).resolve().parent.parent / "deploy" / "nginx.conf"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

pytestmark = pytest.mark.clock  # real processes on the real clock


class FromAddress(HTTPAdapter):
    """Connect from one loopback address: Linux routes all of 127.0.0.0/8 to this machine."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client_from(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("https://", FromAddress(address))
    session.mount("http://", FromAddress(address))
    session.verify = False  # the test's own self-signed certificate
    session.trust_env = False  # (a CA bundle named in the environment would win otherwise)
    return session


def serve(settings: dict, port: int, **extra) -> subprocess.Popen:
    args = [sys.executable, "-m", "ecourse", "serve", "--port", str(port)]
    return _started(args, process_environment(settings, **extra), port)


def gunicorn(settings: dict, port: int, **extra) -> subprocess.Popen:
    """The web processes as the shipped unit starts them (its ExecStart, on this port), two
    of them sharing their rate-limit counters in Redis, as the guide says they must."""
    unit = (Path(__file__).resolve().parent.parent / "deploy" / "ecourse-web.service").read_text()
    (command,) = re.findall(r"^ExecStart=(.*)$", unit, re.MULTILINE)
    args = shlex.split(command)
    assert args[0].endswith("/gunicorn") and "127.0.0.1:8000" in args, command
    args = [str(Path(sys.executable).parent / "gunicorn")] + [
        f"127.0.0.1:{port}" if arg == "127.0.0.1:8000" else "2" if arg == "4" else arg
        for arg in args[1:]
    ]
    redis.Redis.from_url(REDIS).flushdb()  # no counts left from an earlier run
    env = process_environment(settings, RATELIMIT_STORAGE_URL=REDIS, **extra)
    return _started(args, env, port)


def _started(args: list[str], env: dict, port: int) -> subprocess.Popen:
    """The app's process, once it answers on `port`; never left behind when it does not."""
    process = subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}", process)
    except BaseException:
        process.kill()
        process.communicate(timeout=10)
        raise
    return process


def stop(process: subprocess.Popen) -> str:
    process.terminate()
    output = process.communicate(timeout=15)[0]
    assert "Traceback" not in output, output
    return output


def nginx_config(folder: Path, app_port: int, http_port: int, https_port: int) -> Path:
    """The shipped file with this test's ports and certificate, inside a minimal main file."""
    cert, key = self_signed_certificate(folder)
    site = SHIPPED.read_text()
    replacements = {
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl;": f"listen 127.0.0.1:{https_port} ssl;",
        "http://127.0.0.1:8000": f"http://127.0.0.1:{app_port}",
        "/etc/letsencrypt/live/cursus.example.org/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/cursus.example.org/privkey.pem": str(key),
    }
    for shipped, here in replacements.items():
        assert shipped in site, f"deploy/nginx.conf no longer has {shipped!r}"
        site = site.replace(shipped, here)
    (folder / "site.conf").write_text(site)
    main = folder / "nginx.conf"
    main.write_text(
        f"pid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
        "events {}\n"
        f"http {{\n access_log {folder}/access.log;\n client_body_temp_path {folder}/body;\n"
        f" proxy_temp_path {folder}/proxy;\n include {folder}/site.conf;\n}}\n"
    )
    return main


@pytest.fixture(params=["serve", "gunicorn"])
def behind_nginx(request, settings, app, tmp_path):
    """The app trusting one proxy (`ecourse serve`, or gunicorn as the unit runs it), and
    nginx in front of it with TLS: nginx's URL."""
    assert shutil.which(NGINX) or Path(NGINX).exists(), "Debian's nginx: apt-get install nginx"
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    app_port, http_port, https_port = free_port(), free_port(), free_port()
    start = serve if request.param == "serve" else gunicorn
    process = start(
        settings,
        app_port,
        TRUST_PROXY="true",
        BASE_URL="https://cursus.example.org",
        SIGNUP_RATE_LIMIT="5 per minute",
    )
    folder = tmp_path / "nginx"
    folder.mkdir()
    config = nginx_config(folder, app_port, http_port, https_port)
    proxy = subprocess.Popen(
        [NGINX, "-c", str(config), "-p", str(folder), "-g", "daemon off;"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"https://127.0.0.1:{https_port}"
    try:
        _wait_for(base, proxy)
        yield base
    finally:
        proxy.terminate()
        proxy.communicate(timeout=15)
        stop(process)


def _wait_for(base: str, proxy: subprocess.Popen) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert proxy.poll() is None, proxy.stdout.read()
        try:
            requests.get(base, verify=False, timeout=15)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise AssertionError("nginx did not start")


def sign_up(client: requests.Session, base: str, email: str) -> requests.Response:
    page = client.get(base + "/")
    token = CSRF.search(page.text).group(1)
    data = {"csrf_token": token, "email": email, "consent": "y", "website": "", "timezone": ""}
    # Flask-WTF checks the Referer of a form posted over https against the host.
    return client.post(
        base + "/", data=data, headers={"Referer": base + "/"}, allow_redirects=False
    )


def consent_addresses() -> dict[str, str]:
    db.session.expire_all()
    rows = db.session.execute(
        select(Subscriber.email, Consent.ip_address).join(Consent.subscriber)
    ).all()
    return dict(rows)


def test_behind_nginx_each_client_is_counted_and_recorded_apart_and_hsts_is_sent(behind_nginx):
    base = behind_nginx
    addresses = [f"127.0.0.{n}" for n in range(2, 10)]
    answers = {
        address: sign_up(client_from(address), base, f"client{address.split('.')[-1]}@example.org")
        for address in addresses
    }
    assert {address: answer.status_code for address, answer in answers.items()} == dict.fromkeys(
        addresses, 302
    )
    assert all(a.headers["Location"].endswith("/aangemeld") for a in answers.values())
    recorded = consent_addresses()
    assert recorded == {f"client{a.split('.')[-1]}@example.org": a for a in addresses}
    assert "max-age=" in answers[addresses[0]].headers["Strict-Transport-Security"]
    # The limit is per client: a sixth sign-up from one address is refused, not the others'.
    busy = client_from("127.0.0.2")
    tries = [sign_up(busy, base, f"nog{n}@example.org").status_code for n in range(5)]
    assert tries[-1] == 429 and tries.count(302) == 4
    assert sign_up(client_from("127.0.0.3"), base, "ander@example.org").status_code == 302


def test_without_the_setting_a_client_cannot_claim_another_address(settings, app):
    port = free_port()
    process = serve(settings, port)
    try:
        client = client_from("127.0.0.5")
        client.headers["X-Forwarded-For"] = "203.0.113.66"
        client.headers["X-Forwarded-Proto"] = "https"
        answer = sign_up(client, f"http://127.0.0.1:{port}", "spoof@example.org")
        assert answer.status_code == 302
        assert "Strict-Transport-Security" not in answer.headers
    finally:
        stop(process)
    assert consent_addresses() == {"spoof@example.org": "127.0.0.5"}
