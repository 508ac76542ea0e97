"""One measured operation per process: ``python -m bench.worker < spec.json`` prints one JSON line
``{"wall": s, "cpu": s, "sys": s, "rss_mib": MiB, "machine_cpu": s, "faults": n}``, with ``"serial": s`` for the
pipelines (``_time_serial``); the spec comes on stdin so the bench password is not in ``ps``. ``faults`` (minor page
faults) tells the process's own fresh memory from the page cache's in the system time.

A fresh process per operation makes the peak RSS (VmHWM, which, unlike ru_maxrss, is not inherited from the
forking parent) and the CPU seconds its own. Setup (imports, login, cdn.yaml) happens before the clock starts;
the input is read once first so every contender starts from a warm page cache.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

Spec = dict[str, Any]
MiB = 1 << 20


def warm(path: str) -> None:
    """Read the file once through one reused buffer (keeps RSS flat) so timing sees the page cache."""
    buf = bytearray(4 * MiB)
    with open(path, "rb", buffering=0) as fh:
        while fh.readinto(buf):
            pass


def peak_rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


# ---- crypto ------------------------------------------------------------------------------------------------


def _streaming(spec: Spec) -> Callable[[], None]:
    from core.crypto import decrypt_stream, encrypt_stream

    fn = encrypt_stream if spec["op"] == "encrypt" else decrypt_stream
    key = bytes.fromhex(spec["key"])

    def run() -> None:
        with open(spec["src"], "rb", buffering=0) as src, open(spec["dst"], "wb", buffering=0) as dst:
            fn(src, dst, key)

    return run


def _naive_encrypt(spec: Spec) -> Callable[[], None]:
    """The seed's way: whole file in memory, padder over all of it, allocating update() + finalize()."""
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = bytes.fromhex(spec["key"])

    def run() -> None:
        data = Path(spec["src"]).read_bytes()
        iv = os.urandom(16)
        padder = padding.PKCS7(128).padder()
        padded = padder.update(data) + padder.finalize()
        enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        Path(spec["dst"]).write_bytes(iv + enc.update(padded) + enc.finalize())

    return run


def _naive_decrypt(spec: Spec) -> Callable[[], None]:
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = bytes.fromhex(spec["key"])

    def run() -> None:
        data = Path(spec["src"]).read_bytes()
        dec = Cipher(algorithms.AES(key), modes.CBC(data[:16])).decryptor()
        padded = dec.update(data[16:]) + dec.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        Path(spec["dst"]).write_bytes(unpadder.update(padded) + unpadder.finalize())

    return run


def _sha256(spec: Spec) -> Callable[[], None]:
    """The SHA-256 the pipelines compute over the big part, alone: explains their CPU beyond boto3 + crypto."""
    import hashlib

    def run() -> None:
        hasher, buf = hashlib.sha256(), bytearray(MiB)
        view = memoryview(buf)
        with open(spec["src"], "rb", buffering=0) as fh:
            while n := fh.readinto(buf):
                hasher.update(view[:n])

    return run


def _openssl(spec: Spec) -> Callable[[], None]:
    mode = "-e" if spec["op"] == "openssl-enc" else "-d"
    cmd = ["openssl", "enc", mode, "-aes-256-cbc", "-K", spec["key"], "-iv", spec["iv"],
           "-in", spec["src"], "-out", spec["dst"]]

    def run() -> None:
        subprocess.run(cmd, check=True)

    return run


# ---- pipelines ---------------------------------------------------------------------------------------------


def _client(spec: Spec, cache: str | None = None):  # ApiClient, imported lazily
    """A logged-in client with cdn.yaml already fetched, so the clock only sees the transfer."""
    from core.api_client import ApiClient
    from core.models import Credentials

    client = ApiClient(spec["api_url"], cache_dir=cache or spec["cache"], hardware=spec.get("hardware", "bench-hw"),
                       cache_downloads=not spec.get("no_cache"))
    client.set_credentials(Credentials(spec["email"], spec["password"]))
    client.login()
    client.cdn  # noqa: B018 - builds the boto3 clients now
    return client


def _time_serial(client: Any, operation: str) -> None:
    """Record how long each call of ``operation`` waits for its answer, while the sandbox's S3 (moto) works alone in
    one thread, one core busy and the other idle for any client: it reads the whole object before a GetObject's
    first byte, and joins the parts in CompleteMultipartUpload (copying the object about three times)."""
    start: list[float] = []

    def before(**_: Any) -> None:
        start.append(time.perf_counter())
        _mark("serial")

    client.meta.events.register(f"before-call.s3.{operation}", before)
    client.meta.events.register(f"after-call.s3.{operation}",
                                lambda **_: _SERIAL.append(time.perf_counter() - start[-1]))


def _upload(spec: Spec) -> Callable[[], None]:
    client = _client(spec)
    _time_serial(client.cdn.uploader, "CompleteMultipartUpload")
    return lambda: client.upload_big_small_resource(spec["src"], spec["name"], spec["folder"])


def _download(spec: Spec) -> Callable[[], None]:
    client = _client(spec)
    _time_serial(client.cdn.downloader, "GetObject")
    return lambda: client.download_big_small_resource(spec["name"], spec["folder"], spec["dst"])


def _boto_upload(spec: Spec) -> Callable[[], None]:
    """The fastest plain boto3 upload: upload_file with the app's own client and TransferConfig."""
    cdn = _client(spec).cdn
    _time_serial(cdn.uploader, "CompleteMultipartUpload")
    return lambda: cdn.uploader.upload_file(spec["src"], spec["folder"], spec["key"], Config=cdn.transfer_config)


def _boto_download(spec: Spec) -> Callable[[], None]:
    """Plain boto3: one streamed GET with the app's own client, 1 MiB reads written to a file."""
    cdn = _client(spec).cdn
    _time_serial(cdn.downloader, "GetObject")

    def run() -> None:
        body = cdn.downloader.get_object(Bucket=spec["folder"], Key=spec["key"])["Body"]
        with open(spec["dst"], "wb", buffering=0) as out:
            while data := body.read(MiB):
                out.write(data)

    return run


_SERIAL: list[float] = []
"""Seconds each timed call waited for its answer (``_time_serial``)."""

_MARKS: list[Path] = []
"""With a spec's ``marks`` folder: where ``_mark`` leaves a file as the operation enters a phase, so a watcher in
another process (bench/gui.py's reference upload) can tell the phases apart."""


def _mark(name: str) -> None:
    if _MARKS and not (_MARKS[0] / name).exists():
        (_MARKS[0] / name).touch()


def _setup_only(spec: Spec) -> Callable[[], None]:
    """Login and cdn.yaml only: what the sandbox spends on a worker's setup, subtracted from its transfer CPU."""
    _client(spec)
    return lambda: None


OPS: dict[str, Callable[[Spec], Callable[[], None]]] = {
    "setup-only": _setup_only,
    "encrypt": _streaming,
    "decrypt": _streaming,
    "naive-enc": _naive_encrypt,
    "naive-dec": _naive_decrypt,
    "sha256": _sha256,
    "openssl-enc": _openssl,
    "openssl-dec": _openssl,
    "upload": _upload,
    "download": _download,
    "boto-upload": _boto_upload,
    "boto-download": _boto_download,
}


def machine_busy_s() -> float:
    """CPU seconds all cores spent busy so far (/proc/stat): with the sandbox's server, kernel threads (page-cache
    writeback, loopback networking) and anything else, what an operation really cost the machine."""
    with open("/proc/stat") as fh:
        ticks = [int(x) for x in fh.readline().split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait


def measure(spec: Spec) -> dict[str, float]:
    """Set up, warm, then time only the operation. CPU is user + system of this process (all its threads);
    for openssl it is that of the child. The system share shows what the kernel (page cache, sockets) cost."""
    if spec.get("marks"):
        _MARKS.append(Path(spec["marks"]))
    run = OPS[spec["op"]](spec)
    if spec.get("warm"):
        warm(spec["warm"])
    _mark("start")
    who = resource.RUSAGE_CHILDREN if spec["op"].startswith("openssl") else resource.RUSAGE_SELF
    busy0, ru0, t0 = machine_busy_s(), resource.getrusage(who), time.perf_counter()
    run()
    wall, ru1, busy = time.perf_counter() - t0, resource.getrusage(who), machine_busy_s() - busy0
    user, system = ru1.ru_utime - ru0.ru_utime, ru1.ru_stime - ru0.ru_stime
    # ru_maxrss of the children is in KiB on Linux; the only child is openssl
    rss = ru1.ru_maxrss / 1024 if who == resource.RUSAGE_CHILDREN else peak_rss_mib()
    result = {"wall": wall, "cpu": user + system, "sys": system, "rss_mib": rss, "machine_cpu": busy,
              "faults": ru1.ru_minflt - ru0.ru_minflt}
    if _SERIAL:
        result["serial"] = sum(_SERIAL)
    return result


if __name__ == "__main__":
    print(json.dumps(measure(json.loads(sys.stdin.read()))))
