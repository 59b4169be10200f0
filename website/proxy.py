"""Run Debian's nginx with deploy/nginx-site.conf in front of a running site (tests, benchmarks)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

from website.serving import free_port, wait_for

SITE_CONF = Path(__file__).resolve().parent.parent / "deploy" / "nginx-site.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def nginx_conf(tmp: Path, site: str, port: int) -> Path:
    """A whole nginx.conf in ``tmp``: the repository's server block, aimed at ``site`` and
    listening on ``port``, with every path nginx writes inside ``tmp``."""
    block = SITE_CONF.read_text()
    block = block.replace("127.0.0.1:8866", site.removeprefix("http://").rstrip("/"))
    block = block.replace("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{port};")
    (tmp / "site.conf").write_text(block)
    temp = " ".join(
        f"{kind}_temp_path {tmp / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = tmp / "nginx.conf"
    conf.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")  # workers must reach tmp's temp paths
        + f"daemon off; pid {tmp / 'nginx.pid'}; error_log {tmp / 'error.log'};\n"
        + f"events {{}}\nhttp {{ access_log off; {temp} include {tmp / 'site.conf'}; }}\n"
    )
    return conf


@contextlib.contextmanager
def behind_nginx(site: str, tmp: Path, timeout: float = 30):
    """nginx in front of ``site`` until the block ends; yields the proxy's base URL."""
    if not Path(NGINX).exists():
        raise FileNotFoundError(f"no nginx at {NGINX} (apt-get install nginx)")
    port = free_port()
    proc = subprocess.Popen([NGINX, "-p", str(tmp), "-c", str(nginx_conf(tmp, site, port))])
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for(url, proc, timeout)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
