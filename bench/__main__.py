"""Run the whole benchmark once, print the table and write bench/results/latest.json.

Why it is shaped this way: each operation runs in a fresh worker process (bench.worker) so RSS and CPU are its
own; ours and the reference alternate within each repetition so drift hits both; the median of the repetitions
is reported. Outputs are deleted right after each operation and followed by a sync, so one operation's dirty
pages are never written back on the next one's clock.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import platform
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.data import make_cipher, make_plain

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
MiB = 1 << 20
SMALL_MIB = 64
LINK_MIB, LINK_MB_S = 128, 40  # the rate-limited link: 128 MiB at 40 MB/s, ~3.4 s a transfer
FOLDER = "models"
Samples = dict[str, list[dict[str, float]]]


@dataclass
class Row:
    measurement: str
    ours: float
    reference: float
    ratio: float
    target: str = ""
    passed: bool | None = None  # None: for information only
    diff: bool = False  # the ratio column holds ours - reference (MiB) instead of ours / reference


PAGE_REPORTING = Path("/sys/module/page_reporting/parameters")
"""Linux's free page reporting, where a VM has it: free memory handed back to the host, whose next first touch
costs ~10x (see run_twice)."""


def vm_reported_mib() -> float | None:
    """MiB this VM has handed back to its host so far; None without free page reporting."""
    try:
        return int((PAGE_REPORTING / "reported_kib").read_text()) / 1024
    except (OSError, ValueError):
        return None


def page_reporting() -> dict[str, str]:
    """The free page reporting settings of this run (the host's platform may change them between runs)."""
    if not PAGE_REPORTING.is_dir():
        return {}
    return {p.name: p.read_text().strip() for p in sorted(PAGE_REPORTING.iterdir())
            if p.name in ("page_reporting_order", "min_free_ms", "max_waiting_mib")}


FRESH_PROBE_MIB = 256


def fresh_write_sys_s_per_gib(folder: Path) -> float:
    """System seconds per GiB to write a new file into the page cache (256 MiB, no flush): what fresh memory costs
    this machine at this moment. On a VM with free page reporting it moved between 2.8 and 7.4 s/GiB within minutes
    here (a workstation takes a few tenths); every pipeline writes at least one copy of its data this way."""
    probe = folder / "fresh-probe"
    buf = os.urandom(4 * MiB)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_stime
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            for _ in range(FRESH_PROBE_MIB // 4):
                os.write(fd, buf)
        finally:
            os.close(fd)
        return (resource.getrusage(resource.RUSAGE_SELF).ru_stime - before) * 1024 / FRESH_PROBE_MIB
    finally:
        probe.unlink(missing_ok=True)


def run_op(spec: dict[str, Any], cleanup: list[Path], expect: Path | None = None) -> dict[str, float]:
    """Measure one operation in a fresh worker, optionally check its output, then delete the outputs.

    ``server_cpu`` is the CPU this process used meanwhile: for the pipelines, the sandbox (API + moto's S3) that
    runs here, i.e. what serving the transfer cost on the same cores (setup and login included).
    ``vm_reported_mib``: what the VM handed back to its host meanwhile (where it does)."""
    reported = vm_reported_mib()
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    proc = subprocess.run(
        [sys.executable, "-m", "bench.worker"], input=json.dumps(spec), cwd=ROOT, capture_output=True, text=True
    )
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    try:
        if proc.returncode:
            raise RuntimeError(f"worker {spec['op']} failed:\n{proc.stderr}")
        if expect is not None and not filecmp.cmp(spec["dst"], expect, shallow=False):
            raise RuntimeError(f"worker {spec['op']} produced wrong output")
        result = json.loads(proc.stdout.splitlines()[-1])
        result["server_cpu"] = ru1.ru_utime - ru0.ru_utime + ru1.ru_stime - ru0.ru_stime
        after = vm_reported_mib()
        if reported is not None and after is not None:
            result["vm_reported_mib"] = after - reported
        return result
    finally:
        for path in cleanup:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        os.sync()


def run_twice(spec: dict[str, Any], cleanup: list[Path], expect: Path | None = None) -> dict[str, float]:
    """An unmeasured run of the operation, then the measured one. Machines like this one (a VM with free page
    reporting) hand memory that stayed free for a few seconds back to their host, and touching it again costs
    ~1 s of system time per GiB: writing 2 GiB took 2.1 s of system time after a 6 s pause, 0.4 s right after
    another write. Without the first run, whoever follows a long operation (our download, after the uploads)
    pays that and the other contender does not."""
    run_op(spec, cleanup)
    return run_op(spec, cleanup, expect)


def bench_crypto(work: Path, plain: Path, reps: int, samples: Samples) -> None:
    """Streaming vs openssl vs the seed's in-memory way, on one plaintext and its ciphertext."""
    key = os.urandom(32)
    cipher, raw, out = work / "cipher", work / "cipher.raw", work / "out"
    iv = make_cipher(plain, cipher, raw, key)
    os.sync()
    jobs = {  # label: (input, expected output on the first repetition)
        "decrypt": (cipher, plain),
        "openssl-dec": (raw, plain),
        "encrypt": (plain, None),
        "openssl-enc": (plain, raw),
        "naive-enc": (plain, None),
        "naive-dec": (cipher, plain),
        "sha256": (cipher, None),
    }
    for rep in range(reps):
        for op, (src, expect) in jobs.items():
            spec = {"op": op, "src": str(src), "dst": str(out), "warm": str(src), "key": key.hex(), "iv": iv.hex()}
            samples.setdefault(op, []).append(run_twice(spec, [out], expect if rep == 0 else None))
            progress(f"{op} #{rep + 1}", samples[op][-1])
    cipher.unlink()
    raw.unlink()


def bench_pipelines(work: Path, sizes: list[int], reps: int, samples: Samples) -> None:
    """Our upload/download vs plain boto3 with the app's clients, against a sandbox running in this process."""
    from core.crypto import ciphertext_size
    from core.models import RoleEnum
    from core.protocol import big_key
    from sandbox.server import Sandbox

    sb = Sandbox(seed=False).start()
    try:
        email, password = "bench@bench.local", secrets.token_urlsafe(16)
        sb.state.add_user(email, password, RoleEnum.ResourceUploader)
        s3 = sb.s3_client()
        cache, out = work / "cache", work / "out"
        base = {"api_url": sb.api_url, "email": email, "password": password, "folder": FOLDER, "cache": str(cache)}
        for size in sizes:
            plain = work / f"plain-{size}"
            if not plain.exists():
                make_plain(plain, size * MiB)
            blob = make_plain(work / f"blob-{size}", ciphertext_size(size * MiB))  # as many bytes as ours sends
            os.sync()
            for rep in range(reps):
                name, key = f"bench-{size}-{rep}", f"plain-{size}-{rep}"
                runs = [
                    ("upload", {"src": str(plain), "warm": str(plain), "name": name}, None),
                    ("boto-upload", {"src": str(blob), "warm": str(blob), "key": key}, None),
                    ("download", {"name": name, "dst": str(out)}, plain if rep == 0 else None),
                    ("boto-download", {"key": key, "dst": str(out)}, blob if rep == 0 else None),
                    # The "cache downloads" setting off: each byte written once (the output), as boto3 writes it.
                    ("download-nocache", {"name": name, "dst": str(out), "no_cache": True},
                     plain if rep == 0 else None),
                ]
                for label_op, extra, expect in runs:
                    label, op = f"{label_op}@{size}", label_op.removesuffix("-nocache")
                    samples.setdefault(label, []).append(run_twice({**base, "op": op, **extra}, [out, cache], expect))
                    progress(f"{label} #{rep + 1}", samples[label][-1])
                setup = run_op({**base, "op": "setup-only"}, [])
                samples.setdefault("setup-only", []).append(setup)
                s3.delete_object(Bucket=FOLDER, Key=big_key(name))
                s3.delete_object(Bucket=FOLDER, Key=key)
            blob.unlink()
        bench_link(sb, work, base, reps, samples)
    finally:
        sb.stop()


def bench_link(sb: Any, work: Path, base: dict[str, Any], reps: int, samples: Samples) -> None:
    """The same download comparison through a rate-limited link (bench/link.py) in front of the sandbox's S3, as an
    operator has one: what the user waits for when the link, not the two shared cores, is the bottleneck."""
    from core.crypto import ciphertext_size

    plain = make_plain(work / f"plain-link-{LINK_MIB}", LINK_MIB * MiB)
    blob = make_plain(work / f"blob-link-{LINK_MIB}", ciphertext_size(LINK_MIB * MiB))
    link = subprocess.Popen([sys.executable, "-m", "bench.link", sb.s3_url.rsplit(":", 1)[1], str(LINK_MB_S)],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert link.stdout is not None
        sb.cdn_url = f"http://127.0.0.1:{int(link.stdout.readline())}"  # cdn.yaml now names the link
        cache, out = work / "cache", work / "out"
        run_op({**base, "op": "upload", "src": str(plain), "name": "link"}, [cache])  # uploads are not throttled
        run_op({**base, "op": "boto-upload", "src": str(blob), "key": "link-blob"}, [])
        runs = (("download", {"name": "link"}, plain), ("boto-download", {"key": "link-blob"}, blob))
        for rep in range(reps):
            for op, extra, expect in runs:
                label = f"{op}-link@{LINK_MIB}"
                spec = {**base, "op": op, **extra, "dst": str(out)}
                samples.setdefault(label, []).append(run_twice(spec, [out, cache], expect if rep == 0 else None))
                progress(f"{label} #{rep + 1}", samples[label][-1])
    finally:
        sb.cdn_url = sb.s3_url
        link.terminate()
        link.wait()
        plain.unlink(missing_ok=True)
        blob.unlink(missing_ok=True)


def progress(what: str, result: dict[str, float]) -> None:
    handed = f"  to host {result['vm_reported_mib']:6.0f} MiB" if "vm_reported_mib" in result else ""
    print(f"  {what:<24} wall {result['wall']:7.3f} s  cpu {result['cpu']:7.3f} s (sys {result['sys']:6.3f})"
          f"  rss {result['rss_mib']:7.1f} MiB{handed}", file=sys.stderr, flush=True)


def evaluate(med: dict[str, dict[str, float]], size: int) -> list[Row]:
    """The table: comparisons with their targets (passed is None for information-only rows)."""

    def ratio(name: str, a: str, b: str, field: str, target: float | None = None) -> Row:
        ours, ref = med[a][field], med[b][field]
        r = ours / ref
        return Row(name, ours, ref, r, f"<= {target:.2f}" if target else "", r <= target if target else None)

    rows = [
        ratio("decrypt wall s, ours vs openssl", "decrypt", "openssl-dec", "wall", 0.9),
        ratio("encrypt wall s, ours vs openssl", "encrypt", "openssl-enc", "wall", 1.2),
    ]
    for op in ("decrypt", "encrypt"):
        row = ratio(f"{op} peak RSS MiB, ours vs openssl", op, f"openssl-{op[:3]}", "rss_mib")
        row.target, row.passed = "ours <= 64 MiB", row.ours <= 64
        rows.append(row)
    # The brief: the naive whole-file way decrypts ~10x slower and needs ~4x the file in memory. Encryption has no
    # such margin to win: CBC encryption is serial, and openssl itself is only ~4.5x faster than the naive way here.
    for op, target in (("encrypt", None), ("decrypt", 0.1)):
        rows.append(ratio(f"{op} wall s, ours vs naive", op, f"naive-{op[:3]}", "wall", target))
        rows.append(ratio(f"{op} peak RSS MiB, ours vs naive", op, f"naive-{op[:3]}", "rss_mib", 0.25))
    sizes = sorted({SMALL_MIB, size})
    for s in sizes:
        for op in ("upload", "download"):
            for field, unit in (("wall", "wall s"), ("cpu", "client CPU s"), ("rss_mib", "peak RSS MiB")):
                rows.append(ratio(f"{op} {s} MiB {unit}, ours vs boto3", f"{op}@{s}", f"boto-{op}@{s}", field))
    cpus = os.cpu_count() or 1
    for op, crypto in (("upload", "encrypt"), ("download", "decrypt"), ("download-nocache", "decrypt")):
        ours, boto = med[f"{op}@{size}"], med[f"boto-{op.removesuffix('-nocache')}@{size}"]
        if op == "download-nocache":
            op = "download, cache off,"
        # The brief's bar: within 1.3x of the plain boto3 transfer's wall time.
        rows.append(Row(f"{op} {size} MiB wall s vs boto3 (brief's bar)", ours["wall"], boto["wall"],
                        ours["wall"] / boto["wall"], "<= 1.30", ours["wall"] / boto["wall"] <= 1.3))
        # What no client can beat here: the client's and the sandbox's CPU seconds spread over every core; then the
        # whole machine's busy CPU seconds (kernel writeback and loopback networking too) spread the same way.
        serving = max(0.0, ours["server_cpu"] - med["setup-only"]["server_cpu"])
        floor = (ours["cpu"] + serving) / cpus
        rows.append(Row(f"{op} {size} MiB wall floor, (client + server CPU s) / {cpus} CPUs, vs boto3 wall",
                        floor, boto["wall"], floor / boto["wall"]))
        if "machine_cpu" in ours:
            floor = ours["machine_cpu"] / cpus
            rows.append(Row(f"{op} {size} MiB wall floor, machine busy CPU s / {cpus} CPUs, vs boto3 wall",
                            floor, boto["wall"], floor / boto["wall"]))
            # The second bar: the wall ratio no more than 0.15 above that floor's ratio.
            above = (ours["wall"] - floor) / boto["wall"]
            rows.append(Row(f"{op} {size} MiB wall ratio above its machine floor's ratio", ours["wall"] / boto["wall"],
                            floor / boto["wall"], above, "<= 0.15", above <= 0.15))
            # The floor above spreads all the busy CPU over every core; but the sandbox's S3 (moto) works alone in
            # one thread while any client waits: before a GET's first byte (it reads the whole object) and in
            # CompleteMultipartUpload (it joins the parts, copying the object about three times). Counted as
            # serial, with this client's own wait, the floor is that plus the rest spread over the cores.
            serial = ours.get("serial")
            if serial is not None:
                what = "to first byte" if op.startswith("download") else "in CompleteMultipartUpload"
                floor = serial + max(0.0, ours["machine_cpu"] - serial) / cpus
                above = (ours["wall"] - floor) / boto["wall"]
                rows.append(Row(f"{op} {size} MiB wall ratio above that floor with the server's "
                                f"{serial:.2f} s {what} serial", ours["wall"] / boto["wall"],
                                floor / boto["wall"], above, "<= 0.15", above <= 0.15))
        # The standalone crypto the protocol asks for: AES and the big part's SHA-256 (object metadata, checked
        # on download); the row without the SHA-256 shows its share.
        budget = boto["cpu"] + med[crypto]["cpu"]
        rows.append(Row(f"{op} {size} MiB CPU s vs boto3 + {crypto} (no sha256)", ours["cpu"], budget,
                        ours["cpu"] / budget))
        budget += med["sha256"]["cpu"]
        rows.append(Row(f"{op} {size} MiB CPU s vs boto3 + {crypto} + sha256", ours["cpu"], budget,
                        ours["cpu"] / budget, "<= 1.20", ours["cpu"] / budget <= 1.2))
    if f"download-link@{LINK_MIB}" in med:
        ours, boto = med[f"download-link@{LINK_MIB}"], med[f"boto-download-link@{LINK_MIB}"]
        r = ours["wall"] / boto["wall"]
        rows.append(Row(f"download {LINK_MIB} MiB via a {LINK_MB_S:.0f} MB/s link, wall s vs boto3 (brief's bar)",
                        ours["wall"], boto["wall"], r, "<= 1.30", r <= 1.3))
        rows.append(Row(f"download {LINK_MIB} MiB via a {LINK_MB_S:.0f} MB/s link, client CPU s vs boto3",
                        ours["cpu"], boto["cpu"], ours["cpu"] / boto["cpu"]))
    if size != SMALL_MIB:
        for op in ("upload", "download"):
            big, small = med[f"{op}@{size}"]["rss_mib"], med[f"{op}@{SMALL_MIB}"]["rss_mib"]
            rows.append(Row(f"{op} peak RSS MiB, {size} vs {SMALL_MIB} MiB", big, small, big - small,
                            "|diff| <= 16 MiB", abs(big - small) <= 16, diff=True))
    return rows


def extra_rows(args: argparse.Namespace, size: int) -> list[Row]:
    """Image unlock vs `openssl | podman load`, and the GUI's event-loop stalls, filter latency and cold start."""
    rows: list[Row] = []
    suites = []
    if not args.skip_images:
        from bench import images

        suites.append(("images", lambda: images.run(size_mib=min(500, size))))
    if not args.skip_gui:
        from bench import gui

        suites.append(("gui", lambda: gui.run(size_mib=size)))
    if not args.skip_bandwidth:
        from bench import bandwidth

        suites.append(("bandwidth", lambda: bandwidth.run(repeat=args.repeat)))
    for name, run in suites:
        print(f"bench: {name}", file=sys.stderr, flush=True)
        for r in run():
            rows.append(Row(r["measurement"], float(r["ours"]), float(r["reference"] or 0.0),
                            float(r["ratio"] if r["ratio"] is not None else 0.0), str(r.get("target") or ""),
                            r.get("passed")))
    return rows


def render(rows: list[Row]) -> str:
    header = ("measurement", "ours", "reference", "ratio", "target", "result")
    lines = [
        (r.measurement, f"{r.ours:.3f}" if r.ours < 100 else f"{r.ours:.1f}",
         f"{r.reference:.3f}" if r.reference < 100 else f"{r.reference:.1f}",
         f"{r.ratio:+.1f} MiB" if r.diff else f"{r.ratio:.3f}", r.target,
         "" if r.passed is None else ("PASS" if r.passed else "FAIL"))
        for r in rows
    ]
    widths = [max(len(x[i]) for x in [header, *lines]) for i in range(len(header))]
    fmt = "  ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths))
    sep = "  ".join("-" * w for w in widths)
    return "\n".join([fmt.format(*header), sep, *(fmt.format(*x) for x in lines)])


def parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    ap.add_argument("--size-mib", type=int, default=1024, help="main file size (default 1024)")
    ap.add_argument("--quick", action="store_true", help=f"smoke run: {SMALL_MIB} MiB")
    ap.add_argument("--repeat", type=int, default=3, help="repetitions per measurement; the median is reported")
    ap.add_argument("--tmp", type=Path, default=None, help="where the temporary files go (default: system temp)")
    ap.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    ap.add_argument("--skip-images", action="store_true", help="skip the image unlock benchmark (needs podman)")
    ap.add_argument("--skip-gui", action="store_true", help="skip the GUI benchmarks")
    ap.add_argument("--skip-bandwidth", action="store_true", help="skip the bandwidth cap benchmark")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    size = SMALL_MIB if args.quick else args.size_mib
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="azaion-bench-", dir=args.tmp))
    samples: Samples = {}
    try:
        for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
            os.environ[var] = str(work / "xdg" / var.lower())  # workers leave nothing in the user's folders
        print(f"bench: {size} MiB, {args.repeat} repetitions, in {work}", file=sys.stderr, flush=True)
        fresh = [fresh_write_sys_s_per_gib(work)]
        plain = make_plain(work / f"plain-{size}", size * MiB)  # bench_pipelines reuses it by this name
        bench_crypto(work, plain, args.repeat, samples)
        bench_pipelines(work, sorted({SMALL_MIB, size}), args.repeat, samples)
        fresh.append(fresh_write_sys_s_per_gib(work))
        print(f"bench: writing fresh memory cost {fresh[0]:.2f} s/GiB of system time before the pipelines, "
              f"{fresh[1]:.2f} after", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    med = {label: {f: statistics.median(s[f] for s in runs) for f in runs[0]} for label, runs in samples.items()}
    rows = evaluate(med, size)
    rows += extra_rows(args, size)
    print(f"\nAzaion Admin benchmark: {size} MiB, median of {args.repeat}, {os.cpu_count()} CPUs, "
          f"{time.monotonic() - started:.0f} s\n")
    print(render(rows))
    missed = [r.measurement for r in rows if r.passed is False]
    openssl = subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip()
    report = {
        "size_mib": size, "small_mib": SMALL_MIB, "repeat": args.repeat, "seconds": time.monotonic() - started,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "openssl": openssl,
                    "platform": platform.platform(), "page_reporting": page_reporting(),
                    "fresh_write_sys_s_per_gib": [round(f, 3) for f in fresh]},
        "medians": med, "samples": samples, "rows": [asdict(r) for r in rows], "missed": missed,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nresults: {args.output}")
    if missed:
        print("TARGETS MISSED: " + "; ".join(missed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
