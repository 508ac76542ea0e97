"""The bandwidth cap (core/bandwidth.py): how close a capped 16 MiB transfer comes to the cap, and what the cap costs
in CPU against the same transfer uncapped (a busy-waiting limiter would burn a core for the whole capped time).

Each transfer runs in a fresh child process (``python -m bench.bandwidth --child``) against a sandbox in this one,
so the CPU seconds are the client's alone. The achieved rate is measured over the network stage ("downloading" /
"uploading") from the progress callbacks: bytes between the first and the last callback over the time between them.
Standalone: ``python -m bench.bandwidth [--cap 4M] [--size-mib 16] [--repeat 3]``; ``make bench`` runs it too.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MiB = 1 << 20
FOLDER = "models"


def child(spec: dict[str, Any]) -> dict[str, float]:
    """One transfer, capped or not: wall and CPU of the transfer (setup excluded), the network stage's rate."""
    from core.api_client import ApiClient
    from core.bandwidth import LIMITER
    from core.models import Credentials

    client = ApiClient(spec["api_url"], cache_dir=spec["cache"], hardware="bench-bw")
    client.set_credentials(Credentials(spec["email"], spec["password"]))
    client.login()
    client.cdn  # noqa: B018 - the boto3 clients are built before the clock starts
    stage = {"name": ""}
    first: list[tuple[float, int]] = []
    last: list[tuple[float, int]] = []

    def on_stage(name: str) -> None:
        stage["name"] = name

    def progress(done: int, _total: int | None) -> None:
        if stage["name"] in ("downloading", "uploading"):
            point = (time.monotonic(), done)
            if not first:
                first.append(point)
            last[:] = [point]

    if spec.get("cap"):
        LIMITER.set_rate(spec["cap"])
    ru0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    if spec["op"] == "download":
        client.download_big_small_resource(spec["name"], FOLDER, spec["dst"], progress=progress, on_stage=on_stage)
    else:
        client.upload_big_small_resource(spec["src"], spec["name"], FOLDER, progress=progress, on_stage=on_stage)
    wall, ru1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF)
    cpu = ru1.ru_utime - ru0.ru_utime + ru1.ru_stime - ru0.ru_stime
    span = last[0][0] - first[0][0] if first and last else 0.0
    moved = last[0][1] - first[0][1] if first and last else 0
    return {"wall": wall, "cpu": cpu, "rate": moved / span if span > 0 else 0.0, "net_s": span}


def run_child(spec: dict[str, Any]) -> dict[str, float]:
    proc = subprocess.run([sys.executable, "-m", "bench.bandwidth", "--child"], input=json.dumps(spec), cwd=ROOT,
                          capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"bandwidth child {spec['op']} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.splitlines()[-1])


def run(size_mib: int = 16, cap: str = "4M", repeat: int = 3) -> list[dict[str, Any]]:
    """Rows for bench/__main__.py's table (and this module's own printout)."""
    from core.bandwidth import parse_rate
    from core.models import RoleEnum
    from sandbox.server import Sandbox

    cap_rate = parse_rate(cap)
    assert cap_rate is not None
    work = Path(tempfile.mkdtemp(prefix="azaion-bench-bw-"))
    sb = Sandbox(seed=False).start()
    samples: dict[str, list[dict[str, float]]] = {}
    try:
        email, password = "bw@bench.local", secrets.token_urlsafe(16)
        sb.state.add_user(email, password, RoleEnum.ResourceUploader)
        src = work / "plain"
        src.write_bytes(os.urandom(size_mib * MiB))
        base = {"api_url": sb.api_url, "email": email, "password": password}
        run_child({**base, "op": "upload", "src": str(src), "name": "bw.bin", "cache": str(work / "c0")})
        for rep in range(repeat):
            for mode, limit in (("uncapped", None), ("capped", cap)):
                for op in ("download", "upload"):
                    cache = work / f"cache-{op}-{mode}-{rep}"
                    spec = {**base, "op": op, "cap": limit, "cache": str(cache), "src": str(src),
                            "dst": str(work / "out"), "name": "bw.bin" if op == "download" else f"up-{rep}.bin"}
                    result = run_child(spec)
                    samples.setdefault(f"{op}-{mode}", []).append(result)
                    print(f"  bandwidth {op} {mode} #{rep + 1}: wall {result['wall']:.2f} s, cpu {result['cpu']:.3f} s"
                          f", network stage {result['rate'] / MiB:.2f} MiB/s", file=sys.stderr, flush=True)
                    (work / "out").unlink(missing_ok=True)
                    subprocess.run(["rm", "-rf", str(cache)], check=False)
    finally:
        sb.stop()
        subprocess.run(["rm", "-rf", str(work)], check=False)
    med = {k: {f: statistics.median(s[f] for s in v) for f in v[0]} for k, v in samples.items()}
    rows: list[dict[str, Any]] = []
    for op in ("download", "upload"):
        capped, free = med[f"{op}-capped"], med[f"{op}-uncapped"]
        ratio = capped["rate"] / cap_rate
        rows.append({"measurement": f"bandwidth cap {cap}: {op} {size_mib} MiB achieved MiB/s vs cap",
                     "ours": capped["rate"] / MiB, "reference": cap_rate / MiB, "ratio": ratio,
                     "target": "0.90-1.10", "passed": 0.9 <= ratio <= 1.1})
        rows.append({"measurement": f"bandwidth cap {cap}: {op} {size_mib} MiB client CPU s, capped vs uncapped",
                     "ours": capped["cpu"], "reference": free["cpu"], "ratio": capped["cpu"] / free["cpu"],
                     "target": "", "passed": None})
        rows.append({"measurement": f"bandwidth cap {cap}: {op} {size_mib} MiB wall s, capped vs uncapped",
                     "ours": capped["wall"], "reference": free["wall"], "ratio": capped["wall"] / free["wall"],
                     "target": "", "passed": None})
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.bandwidth", description=__doc__.splitlines()[0])
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--cap", default="4M")
    ap.add_argument("--size-mib", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(sys.stdin.read()))))
        return 0
    for row in run(args.size_mib, args.cap, args.repeat):
        mark = "" if row["passed"] is None else ("PASS" if row["passed"] else "FAIL")
        print(f"{row['measurement']:<70} {row['ours']:8.3f} {row['reference']:8.3f} {row['ratio']:7.3f} "
              f"{row['target']:>10} {mark}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
