"""The sandbox's own name rules (sandbox/names.py, written from docs/protocol.md "Name rules") against the
client's (core/names.py): the same names are refused on both sides, so neither hides the other's gaps."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InvalidNameError as ClientInvalidName
from core.names import validate_name as client_validate
from sandbox.names import InvalidNameError, validate_name
from sandbox.server import Sandbox
from tests.sandbox.conftest import login

REFUSED = [
    "", ".", "..", "...", ". .", " ", "a/b", "a\\b", "c:", "x\x00y", "x\x1fy", "x\x7fy", "x\x85y", "x\x9fy",
    "x\u2028y", "x\u2029y", " lead", "trail ", "tab\t", "\u00a0nbsp", "CON", "con", "nul.txt", "Com1.tar.gz",
    "LPT9", "aux.", "x" * 256,
]
ACCEPTED = ["model.bin", "console", "COM10", "com0", "a b", ".hidden", "v1.0.0-sandbox", "модель.small", "x" * 255]


@pytest.mark.parametrize("name", REFUSED)
def test_refused_by_both(name: str) -> None:
    with pytest.raises(InvalidNameError):
        validate_name(name)
    with pytest.raises(ClientInvalidName):
        client_validate(name)


@pytest.mark.parametrize("name", ACCEPTED)
def test_accepted_by_both(name: str) -> None:
    assert validate_name(name) == name
    assert client_validate(name) == name


def _accepts(validate, error: type[Exception], name: str) -> bool:
    try:
        validate(name)
    except error:
        return False
    return True


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("aC.ON1 \t/\\:\x00\x85\u2028\u00a0ж"), max_size=8) | st.text(max_size=60))
def test_both_sides_agree(name: str) -> None:
    """Short names only: a byte-length limit may come to the client first (docs/protocol.md "Name rules")."""
    assert _accepts(validate_name, InvalidNameError, name) == _accepts(client_validate, ClientInvalidName, name)


@pytest.mark.parametrize("bad", ["nul.txt", "x\u2028y", ". ."])
def test_refused_names_are_409_80_and_nothing_is_stored(sb: Sandbox, bad: str) -> None:
    resp = login(sb, "uploader@sandbox.local").post("/resources/models", files={"data": (bad, b"x")})
    assert resp.status_code == 409 and resp.json()["ErrorCode"] == 80, resp.text
    assert sb.state.get_file("models", bad) is None
