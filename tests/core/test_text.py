"""core.text (server text made safe to show) and core.child_env (what a child process may see), one rule each."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from core.child_env import allowed, child_env
from core.text import printable, printable_message


def test_every_control_and_format_character_is_replaced():
    """All of C0, DEL, C1, every ``Cf`` (bidi, zero-width, tags), ``Zl``/``Zp`` and lone surrogates: none survives
    in any code point of Unicode; breaks become a space, the rest a visible escape."""
    unsafe = [chr(c) for c in range(sys.maxunicode + 1)
              if unicodedata.category(chr(c)) in ("Cc", "Cf", "Cs", "Zl", "Zp")]
    shown = printable("".join(unsafe))
    assert [c for c in shown if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")] == []
    shown.encode("utf-8")  # lone surrogates would not even encode
    assert printable("a\r\n\tb\u2028c\x85d") == "a b c d"
    assert printable("x\x1b]0;t\x07\u202e\U000e0041") == "x\\x1b]0;t\\x07\\u202e\\U000e0041"


def test_plain_text_is_kept_and_long_text_capped():
    text = "Ünïcödé 日本語 emoji 🙂 nbsp\u00a0ok <b>&amp;</b> \\x1b"
    assert printable(text) == text
    capped = printable("é" * 1000, 10)
    assert capped == "é" * 10 + "... [990 more characters]"


def test_printable_message_redacts_before_it_cuts():
    line = printable_message('x {"password": "hunter22"} token=abc.def Bearer eyJa.eyJb.c\npassword=p', 60)
    assert "hunter22" not in line and "abc.def" not in line and "eyJ" not in line and "\n" not in line
    long = "y" * 495 + "password=s3cr3t-value-that-straddles-the-cut"
    assert "s3cr" not in printable_message(long, 500)


@pytest.mark.parametrize("name", ["AZAION_PASSWORD", "MY_API_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID",
                                  "CONTAINERS_REGISTRY_PASSWORD", "PODMAN_TOKEN", "CONTAINER_PASSPHRASE",
                                  "GITHUB_TOKEN", "LD_PRELOAD", "LD_LIBRARY_PATH", "PYTHONPATH", "AZAION_EMAIL"])
def test_secrets_and_unknown_names_stay_out_of_a_child(name):
    assert not allowed(name)


@pytest.mark.parametrize("name", ["PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "XDG_RUNTIME_DIR", "DOCKER_HOST",
                                  "DOCKER_CONFIG", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY", "DOCKER_CONTEXT",
                                  "CONTAINERS_STORAGE_CONF", "REGISTRY_AUTH_FILE", "http_proxy", "SystemRoot"])
def test_what_docker_podman_and_the_os_need_reaches_a_child(name):
    assert allowed(name)


def test_child_env_overrides_are_kept():
    env = child_env({"PATH": "/bin", "AZAION_PASSWORD": "pw", "TMPDIR": "/tmp"}, TMPDIR="/private")
    assert env == {"PATH": "/bin", "TMPDIR": "/private"}
