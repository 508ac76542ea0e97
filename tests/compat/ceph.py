"""A throw-away single-node Ceph cluster with a RADOS Gateway, started from Debian's packages for the compatibility
suite: one mon, one OSD on the ``memstore`` objectstore (RAM only, no disk to prepare), no mgr (RGW does not need
one), radosgw's beast frontend on loopback over http and https (a private CA made at start). Everything lives in
one temp folder: config, mon store, logs, sockets. Daemons run in the foreground as children of this process
(``-f``), die with it (PR_SET_PDEATHSIG) and are stopped by ``stop()``; no systemd, nothing left behind.

Auth is ``none`` inside the cluster: it listens on 127.0.0.1 only and lives for one test run. The S3 side is
unaffected: RGW still checks every request's SigV4 signature against the users made with ``radosgw-admin``."""

from __future__ import annotations

import contextlib
import ctypes
import json
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

BINARIES = ("ceph-mon", "ceph-osd", "radosgw", "radosgw-admin", "monmaptool", "ceph")
DEBIAN_PACKAGES = ("ceph-mon", "ceph-osd", "radosgw")
START_TIMEOUT = 180.0


def missing_binaries() -> list[str]:
    return [b for b in BINARIES if shutil.which(b) is None]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up here: the child must not load anything before exec


def _die_with_parent() -> None:  # runs in the child between fork and exec
    _prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: a test run killed outright takes its daemons with it


@dataclass(frozen=True)
class RgwUser:
    uid: str
    access_key: str
    secret: str = field(repr=False)

    @property
    def arn(self) -> str:
        return f"arn:aws:iam:::user/{self.uid}"


class CephRgw:
    """``with CephRgw() as rgw: rgw.http_url, rgw.https_url, rgw.ca_bundle, rgw.create_user("x")``."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="azaion-ceph-"))
        self.conf = self.root / "ceph.conf"
        self.http_url = ""
        self.https_url = ""
        self.ca_bundle = ""
        self._procs: dict[str, subprocess.Popen] = {}
        self.started_in = 0.0

    # ---- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> CephRgw:
        began = time.monotonic()
        try:
            self._write_config()
            self._start_mon()
            self._start_osd()
            self._start_rgw()
        except BaseException:
            self.stop()
            raise
        self.started_in = time.monotonic() - began
        return self

    def stop(self) -> None:
        """Gateway first (it waits on the cluster while shutting down), then the OSD, then the mon; each gets
        5 s for SIGTERM, then SIGKILL. Then the folder goes."""
        for name in ("rgw", "osd", "mon"):
            proc = self._procs.pop(name, None)
            if proc is None:
                continue
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> CephRgw:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._procs.values()]

    # ---- steps -------------------------------------------------------------------------------------------

    def _write_config(self) -> None:
        from sandbox.tls import make_private_ca

        for sub in ("run", "log", "mon", "osd/0", "rgw", "tls"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        ca, cert, key = make_private_ca(self.root / "tls", "127.0.0.1")
        self.ca_bundle = str(ca)
        self.fsid = str(uuid.uuid4())
        self.mon_port, http_port, https_port = _free_port(), _free_port(), _free_port()
        self.http_url, self.https_url = f"http://127.0.0.1:{http_port}", f"https://127.0.0.1:{https_port}"
        r = self.root
        frontends = (f"beast endpoint=127.0.0.1:{http_port} ssl_endpoint=127.0.0.1:{https_port} "
                     f"ssl_certificate={cert} ssl_private_key={key}")
        self.conf.write_text(f"""[global]
fsid = {self.fsid}
mon host = v2:127.0.0.1:{self.mon_port}
mon initial members = a
public addr = 127.0.0.1
ms bind msgr1 = false
# daemons ask for a secure mon session by default, which auth none cannot give
ms mon client mode = crc secure
auth cluster required = none
auth service required = none
auth client required = none
run dir = {r}/run
admin socket = {r}/run/$name.asok
pid file = {r}/run/$name.pid
log file = {r}/log/$name.log
mon data = {r}/mon/$id
osd data = {r}/osd/$id
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
mon max pg per osd = 1000
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
osd objectstore = memstore
memstore device bytes = 1073741824
osd max object name len = 460
osd max object namespace len = 64

[client.rgw]
rgw data = {r}/rgw
rgw frontends = {frontends}
rgw dns name = 127.0.0.1
""")

    def _run(self, *args: str, timeout: float = 60) -> str:
        proc = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, cwd=self.root)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:3])} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
        return proc.stdout

    def _spawn(self, name: str, *args: str) -> None:
        log = open(self.root / "log" / f"{name}.out", "wb")  # the child keeps its own copy of the descriptor
        with log:
            self._procs[name] = subprocess.Popen(
                list(args), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=self.root,
                preexec_fn=_die_with_parent,
            )

    def _check_alive(self) -> None:
        for name, proc in self._procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"ceph {name} exited ({proc.returncode}):\n{self.log_tail(name)}")

    def log_tail(self, name: str, lines: int = 30) -> str:
        text = ""
        for f in sorted((self.root / "log").glob("*")):
            if name in f.name:
                text += f"--- {f.name}\n" + "\n".join(f.read_text(errors="replace").splitlines()[-lines:]) + "\n"
        return text

    def _start_mon(self) -> None:
        monmap = str(self.root / "monmap")
        self._run("monmaptool", "--create", "--addv", "a", f"[v2:127.0.0.1:{self.mon_port}]", "--fsid", self.fsid,
                  monmap)
        self._run("ceph-mon", "-c", str(self.conf), "--mkfs", "-i", "a", "--monmap", monmap)
        self._spawn("mon", "ceph-mon", "-c", str(self.conf), "-i", "a", "-f")

    def ceph(self, *args: str, timeout: float = 60) -> str:
        return self._run("ceph", "-c", str(self.conf), "--connect-timeout", str(int(timeout)), *args,
                         timeout=timeout + 5)

    def _start_osd(self) -> None:
        osd_uuid = str(uuid.uuid4())
        osd_id = self.ceph("osd", "new", osd_uuid).strip()
        if osd_id != "0":
            raise RuntimeError(f"expected osd 0, the mon made osd {osd_id!r}")
        self._run("ceph-osd", "-c", str(self.conf), "-i", "0", "--mkfs", "--osd-uuid", osd_uuid)
        self._spawn("osd", "ceph-osd", "-c", str(self.conf), "-i", "0", "-f")

    def _start_rgw(self) -> None:
        self._spawn("rgw", "radosgw", "-c", str(self.conf), "-n", "client.rgw", "-f")
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            self._check_alive()
            with contextlib.suppress(OSError, urllib.error.URLError):
                with urllib.request.urlopen(self.http_url + "/", timeout=2) as resp:  # anonymous ListBuckets
                    if resp.status == 200:
                        return
            time.sleep(0.25)
        raise RuntimeError(f"radosgw did not answer within {START_TIMEOUT:.0f} s:\n{self.log_tail('rgw')}")

    # ---- users -------------------------------------------------------------------------------------------

    def admin(self, *args: str) -> dict:
        return json.loads(self._run("radosgw-admin", "-c", str(self.conf), "-n", "client.rgw", *args) or "{}")

    def create_user(self, uid: str) -> RgwUser:
        """A user with keys radosgw-admin generates (so no secret travels on a command line)."""
        made = self.admin("user", "create", f"--uid={uid}", f"--display-name=azaion {uid}")
        (key,) = made["keys"]
        return RgwUser(uid, key["access_key"], key["secret_key"])
