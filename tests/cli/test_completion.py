"""``azaion completion bash|zsh|fish``: each script is produced from the parser, is valid for its shell, and
completes commands, sub-commands and options in the real shell (bash, zsh and fish are installed by
scripts/install-system-deps.sh; a missing one is a failure, not a skip)."""

from __future__ import annotations

import shutil
import subprocess

import pytest


def shell(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: scripts/install-system-deps.sh installs it", pytrace=False)
    return path


@pytest.fixture(scope="module")
def scripts(tmp_path_factory) -> dict[str, str]:
    import os
    import sys

    folder = tmp_path_factory.mktemp("completion")
    found = {}
    for name in ("bash", "zsh", "fish"):
        res = subprocess.run([sys.executable, "-m", "cli.main", "completion", name], capture_output=True, text=True,
                             timeout=120, env={**os.environ, "XDG_CONFIG_HOME": str(folder / "config")})
        assert res.returncode == 0 and res.stderr == "", res.stderr
        assert "azaion" in res.stdout and len(res.stdout.splitlines()) > 50
        path = folder / f"azaion.{name}"
        path.write_text(res.stdout)
        found[name] = str(path)
    return found


def bash_complete(script: str, words: list[str]) -> list[str]:
    """What bash's own completion machinery offers for ``words`` (the last one being completed)."""
    line = " ".join(words)
    code = (
        f"source {script!s}\n"
        "spec=$(complete -p azaion) || exit 9\n"
        "func=$(sed -E 's/.* -F ([^ ]+) .*/\\1/' <<<\"$spec\")\n"
        f"COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; COMP_LINE={line!r}; COMP_POINT=${{#COMP_LINE}}\n"
        "\"$func\" azaion \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"\n"
        "printf '%s\\n' \"${COMPREPLY[@]}\"\n"
    )
    res = subprocess.run([shell("bash"), "--norc", "--noprofile", "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 0, res.stderr
    return [w.strip() for w in res.stdout.splitlines() if w.strip()]


def test_bash_script_is_valid_and_completes(scripts):
    syntax = subprocess.run([shell("bash"), "-n", scripts["bash"]], capture_output=True, text=True, timeout=60)
    assert syntax.returncode == 0, syntax.stderr
    assert bash_complete(scripts["bash"], ["azaion", "us"]) == ["users"]
    assert set(bash_complete(scripts["bash"], ["azaion", "lo"])) == {"login", "logout", "lock"}
    assert bash_complete(scripts["bash"], ["azaion", "users", "l"]) == ["ls"]
    assert "prune" in bash_complete(scripts["bash"], ["azaion", "images", "p"])
    assert "--email" in bash_complete(scripts["bash"], ["azaion", "ls", "models", "--em"])
    assert set(bash_complete(scripts["bash"], ["azaion", "completion", ""])) == {"bash", "zsh", "fish"}


def test_zsh_script_is_valid_and_registers(scripts, tmp_path):
    zsh = shell("zsh")
    syntax = subprocess.run([zsh, "-n", scripts["zsh"]], capture_output=True, text=True, timeout=60)
    assert syntax.returncode == 0, syntax.stderr
    fpath = tmp_path / "fpath"
    fpath.mkdir()
    (fpath / "_azaion").write_text(open(scripts["zsh"]).read())
    code = (f"fpath=({fpath} $fpath); autoload -U compinit; compinit -u -d {tmp_path}/zcompdump; "
            "print -r -- $_comps[azaion]")
    res = subprocess.run([zsh, "-f", "-c", code], capture_output=True, text=True, timeout=60,
                         env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0 and res.stdout.strip() == "_azaion", res.stderr


def test_fish_script_is_valid_and_completes(scripts, tmp_path):
    fish = shell("fish")
    syntax = subprocess.run([fish, "--no-execute", scripts["fish"]], capture_output=True, text=True, timeout=60)
    assert syntax.returncode == 0, syntax.stderr

    def complete(line: str) -> list[str]:
        res = subprocess.run([fish, "--no-config", "-c", f"source {scripts['fish']}; complete -C {line!r}"],
                             capture_output=True, text=True, timeout=60, env={"HOME": str(tmp_path),
                                                                              "PATH": "/usr/bin:/bin"})
        assert res.returncode == 0, res.stderr
        return [row.split("\t")[0] for row in res.stdout.splitlines()]

    assert complete("azaion us") == ["users"]
    assert "ls" in complete("azaion users l")
    assert {"ls", "rm", "prune"} <= set(complete("azaion images "))
    assert "--tag" in complete("azaion images rm --t")
