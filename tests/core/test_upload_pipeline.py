"""Uploads send their parts while the file is still being encrypted (docs/protocol.md, "Interrupted transfers"):
an upload stopped before its staging finished resumes by encrypting again with the journal's IV and sends only
the parts the server does not hold yet, each checked against the CRC32 confirmed for it, so a source changed in
the middle (same size, time and first/last MiB) is caught and started over instead of mixed in."""

from __future__ import annotations

import hashlib
import os
import random
from pathlib import Path

import pytest

from core import multipart
from core.cancel import CancelToken
from core.errors import PausedError

FOLDER = "models"
MiB = 1 << 20
PART = 8 * MiB


def paused_after_parts(client, monkeypatch, src: Path, name: str, parts: int) -> list[str]:
    """Upload ``src`` and pause it once ``parts`` parts are confirmed; then turn its journal into that of a process
    killed while staging (staged copy cut short, no SHA-256 yet): whether or not the staging had finished when the
    pause came, the next upload has to take the resume-while-staging path."""
    token, confirmed, events = CancelToken(), [], []
    real = multipart._Sender.confirm

    def confirm(self, n, etag, crc):
        real(self, n, etag, crc)
        confirmed.append(n)
        if len(confirmed) >= parts:
            token.pause()

    monkeypatch.setattr(multipart._Sender, "confirm", confirm)
    with pytest.raises(PausedError):
        client.upload_big_small_resource(src, name, FOLDER, cancel=token, on_event=events.append)
    monkeypatch.setattr(multipart._Sender, "confirm", real)
    [journal] = client.journals.all()
    assert len(journal.iv) == 32 and len(journal.parts) >= parts and set(journal.parts) <= set(journal.checksums)
    journal.staged_sha256 = ""
    os.truncate(journal.staged_big, min(os.path.getsize(journal.staged_big), 5 * MiB))
    client.journals.save(journal)
    return sorted(journal.parts, key=int)


def test_upload_stopped_while_staging_resumes_without_sending_confirmed_parts(make_client, tmp_path, monkeypatch):
    client = make_client(journal_dir=tmp_path / "journals")
    src = tmp_path / "piped.bin"
    src.write_bytes(random.Random(5).randbytes(40 * MiB))
    kept = paused_after_parts(client, monkeypatch, src, "piped.bin", 3)
    events: list[str] = []
    report = client.upload_big_small_resource(src, "piped.bin", FOLDER, on_event=events.append)
    assert any("resuming the interrupted upload" in e for e in events), events
    assert not any("starting over" in e for e in events), events
    assert report.resumed and report.bytes_sent <= report.big_size - len(kept) * PART  # confirmed parts not resent
    assert client.journals.all() == [] and client.cache.staged() == []
    reader = make_client()
    out = tmp_path / "back.bin"
    reader.download_big_small_resource("piped.bin", FOLDER, out)
    assert out.read_bytes() == src.read_bytes()
    assert reader.load_part("piped.bin.small", FOLDER)[1].sha256 == report.big_sha256


def test_source_changed_in_the_middle_is_caught_on_resume_and_started_over(make_client, tmp_path, monkeypatch):
    """The change is in the first part, past the fingerprint's first MiB, with the size and time kept: only the
    re-made part's CRC32 can tell. The upload says so, starts over and the server ends up with the new file."""
    client = make_client(journal_dir=tmp_path / "journals")
    src = tmp_path / "changed.bin"
    src.write_bytes(random.Random(6).randbytes(40 * MiB))
    paused_after_parts(client, monkeypatch, src, "changed.bin", 3)
    st = src.stat()
    with open(src, "r+b") as fh:
        fh.seek(2 * MiB)
        byte = fh.read(1)
        fh.seek(2 * MiB)
        fh.write(bytes([byte[0] ^ 0xFF]))
    os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns))
    events: list[str] = []
    report = client.upload_big_small_resource(src, "changed.bin", FOLDER, on_event=events.append)
    assert any("changed since the interrupted upload" in e and "starting over" in e for e in events), events
    assert report.bytes_sent == report.big_size and not report.resumed
    out = tmp_path / "back.bin"
    make_client().download_big_small_resource("changed.bin", FOLDER, out)
    assert hashlib.sha256(out.read_bytes()).digest() == hashlib.sha256(src.read_bytes()).digest()
    assert client.journals.all() == [] and client.cache.staged() == []
