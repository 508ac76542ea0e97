"""Speed and time left of a transfer (Job.meter): after a resume the first report is the offset already on disk,
and uploads report a part at a time. Neither may show a speed the link never had (it showed 59.9 MiB/s and 2 s
left right after resuming on a 10 MB/s link, and jumped 1.1 <-> 13 MiB/s on uploads)."""

from __future__ import annotations

from gui.workers.jobs import Job, JobKind

MB = 1_000_000
TICK = 0.1  # the queue's timer


def _meter(clock):
    job = Job(JobKind.DOWNLOAD, "x", lambda c, p: None)
    job.meter._clock = clock
    return job.meter


def test_speed_after_resume_ignores_the_offset():
    now = [100.0]
    meter = _meter(lambda: now[0])
    meter.update(0)  # resumed: the probe starts at 0 ...
    now[0] += TICK
    done = 60 * MB  # ... and its first report is the 60 MB already on disk
    meter.update(done)
    speeds = []
    for _ in range(100):  # then 10 MB/s for 10 s
        now[0] += TICK
        done += int(10 * MB * TICK)
        meter.update(done)
        speeds.append(meter.speed())
    known = [s for s in speeds if s is not None]
    assert known, "no speed after 10 s"
    assert all(8 * MB <= s <= 12 * MB for s in known), max(known)
    eta = meter.eta(done, done + 100 * MB)
    assert eta is not None and 8 <= eta <= 12


def test_upload_parts_give_a_steady_speed():
    """8 MB parts at 10 MB/s: a report every 0.8 s, nothing in between."""
    now = [0.0]
    meter = _meter(lambda: now[0])
    done = 0
    speeds = []
    for tick in range(1, 201):
        now[0] = tick * TICK
        if tick % 8 == 0:
            done += 8 * MB
        meter.update(done)
        speeds.append(meter.speed())
    known = [s for s in speeds[40:] if s is not None]  # after 4 s
    assert known and all(7 * MB <= s <= 13 * MB for s in known), (min(known), max(known))
