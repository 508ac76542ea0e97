"""core.hardware: the canonical hardware string.

Linux is tested for real on this machine. Windows and macOS cannot run here, so their collectors are fed
*recorded outputs* of the real commands (tests/data/hardware/windows/*.txt and macos/*.txt, see the README
there) through the injectable ``run(argv)``; that is the only stand-in these tests use.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from core import hardware as hw

DATA = Path(__file__).resolve().parent.parent / "data" / "hardware"
HARDWARE_RE = re.compile(r"^CPU: (?P<cpu>.+)\. GPU: (?P<gpu>.+)\. Memory: (?P<mem>\d+)\. DriveSerial: (?P<serial>.+)$")


def recorded(*parts: str) -> str:
    return (DATA.joinpath(*parts)).read_text(encoding="utf-8")


class RecordedRunner:
    """Answers each known command with a recorded output file; unknown or failing commands raise like a
    missing program would. Keeps the list of commands asked for."""

    def __init__(self, answers: dict[tuple[str, ...], str | None], crlf: bool = False) -> None:
        self.answers = answers
        self.crlf = crlf
        self.calls: list[list[str]] = []
        self._lock = threading.Lock()

    def __call__(self, argv: list[str]) -> str:
        with self._lock:
            self.calls.append(list(argv))
        assert isinstance(argv, list) and all(isinstance(a, str) for a in argv)
        answer = self.answers.get(tuple(argv))
        if answer is None:
            raise hw.CommandError(f"{argv[0]}: not available")
        return answer.replace("\n", "\r\r\n") if self.crlf else answer


# -- formatting --------------------------------------------------------------------------------------------


def test_format_normalises_whitespace_and_unknowns() -> None:
    text = hw.format_hardware_string("  Intel(R)   Core(TM)\ti7  ", "A\n  B", 1024, "")
    assert text == "CPU: Intel(R) Core(TM) i7. GPU: A B. Memory: 1024. DriveSerial: Unknown"
    assert hw.normalize_field("a\x00b\x1b[0m c") == "a b [0m c"
    assert hw.format_hardware_string(None, None, None, None) == (
        "CPU: Unknown. GPU: Unknown. Memory: Unknown. DriveSerial: Unknown"
    )


# -- Linux: real machine -------------------------------------------------------------------------------------


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="real-machine test for Linux")
def test_linux_real_machine() -> None:
    hw.reset_hardware_cache()
    first = hw.get_hardware_string()
    match = HARDWARE_RE.match(first)
    assert match, first
    assert "  " not in first and first == first.strip()
    meminfo = Path("/proc/meminfo").read_text()
    mem_total = int(re.search(r"^MemTotal:\s*(\d+) kB", meminfo, re.M).group(1))
    assert int(match["mem"]) == mem_total
    assert match["cpu"] != "Unknown"
    assert match["serial"] != "Unknown"
    assert hw.get_hardware_string() == first  # cached
    hw.reset_hardware_cache()
    assert hw.get_hardware_string() == first  # and stable when collected again


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="real-machine test for Linux")
def test_linux_drive_serial_is_the_disks_or_machine_id() -> None:
    serial = hw.linux_drive_serial()
    assert serial
    machine_id = Path("/etc/machine-id").read_text().strip() if Path("/etc/machine-id").exists() else None
    sys_serials = set()
    for p in Path("/sys/block").glob("*/serial"):
        sys_serials.add(p.read_text(errors="replace").strip())
    for p in Path("/sys/block").glob("*/device/serial"):
        sys_serials.add(p.read_text(errors="replace").strip())
    assert serial == machine_id or serial in sys_serials or Path("/run/udev/data").is_dir()


def test_get_hardware_string_is_thread_safe_and_computed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    gate = threading.Event()

    def slow_collect(platform_name=None, run=hw.run_command):
        calls.append(1)
        gate.wait(2)
        return hw.HardwareInfo(cpu="C", gpu="G", memory_kb=1, serial="S")

    monkeypatch.setattr(hw, "collect_hardware", slow_collect)
    hw.reset_hardware_cache()
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(hw.get_hardware_string())) for _ in range(8)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join(5)
    hw.reset_hardware_cache()
    assert len(calls) == 1
    assert results == ["CPU: C. GPU: G. Memory: 1. DriveSerial: S"] * 8


def test_run_command_failures_raise_command_error_not_other_errors() -> None:
    with pytest.raises(hw.CommandError):
        hw.run_command(["/nonexistent/azaion-no-such-program"])
    with pytest.raises(hw.CommandError):
        hw.run_command([sys.executable, "-c", "import sys; sys.exit(3)"])
    assert hw.run_command([sys.executable, "-c", "print('ok')"]).strip() == "ok"


def test_run_command_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hw, "COMMAND_TIMEOUT_S", 0.5)
    with pytest.raises(hw.CommandError, match="timed out"):
        hw.run_command([sys.executable, "-c", "import time; time.sleep(30)"])


def test_run_command_uses_no_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = {}
    real_run = subprocess.run

    def spy(argv, **kwargs):
        seen.update(kwargs, argv=argv)
        return real_run(argv, **kwargs)

    monkeypatch.setattr(hw.subprocess, "run", spy)
    hw.run_command([sys.executable, "-c", "print(1)"])
    assert not seen.get("shell") and isinstance(seen["argv"], list)
    assert seen["timeout"] == hw.COMMAND_TIMEOUT_S == 10.0


# -- Linux parsing functions (fixture files) -----------------------------------------------------------------


def test_parse_cpuinfo_x86_and_arm() -> None:
    assert hw.parse_cpuinfo(recorded("linux", "cpuinfo_x86.txt")) == "Intel(R) Core(TM) i7-10700 CPU @ 2.90GHz"
    assert hw.parse_cpuinfo(recorded("linux", "cpuinfo_arm.txt")) == "BCM2835"
    assert hw.parse_cpuinfo("processor\t: 0\nflags\t: fpu\n") is None


def test_parse_meminfo() -> None:
    assert hw.parse_meminfo(recorded("linux", "meminfo.txt")) == 32657612
    assert hw.parse_meminfo("MemFree: 1 kB\n") is None


def test_parse_lspci_picks_display_controllers() -> None:
    assert hw.parse_lspci(recorded("linux", "lspci.txt")) == [
        "Intel Corporation CometLake-S GT2 [UHD Graphics 630]",
        "NVIDIA Corporation GA106 [GeForce RTX 3060 Lite Hash Rate]",
    ]
    assert hw.parse_lspci("00:00.0 Host bridge: Intel Corporation Something\n") == []


def test_parse_udev_serial_prefers_short_serial() -> None:
    assert hw.parse_udev_serial(recorded("linux", "udev_nvme.txt")) == "S4EWNX0R123456K"
    assert hw.parse_udev_serial("E:ID_SERIAL=Model_X_123\n") == "Model_X_123"
    assert hw.parse_udev_serial("E:ID_MODEL=x\n") is None


def test_pci_ids_lookup() -> None:
    ids = recorded("linux", "pci_ids_excerpt.txt")
    assert hw.pci_ids_lookup("0x8086", "0x3e92", ids) == "Intel Corporation CoffeeLake-S GT2 [UHD Graphics 630]"
    assert hw.pci_ids_lookup("10de", "2504", ids) == "NVIDIA Corporation GA106 [GeForce RTX 3060 Lite Hash Rate]"
    assert hw.pci_ids_lookup("10de", "ffff", ids) == "NVIDIA Corporation"
    assert hw.pci_ids_lookup("abcd", "0001", ids) is None


def test_linux_collector_with_failing_lspci_never_raises() -> None:
    def broken(argv: list[str]) -> str:
        raise hw.CommandError("lspci exploded")

    info = hw.collect_linux(run=broken)
    assert HARDWARE_RE.match(info.to_string()), info
    if hw.shutil.which("lspci") and not Path("/sys/class/drm").exists():
        assert info.gpu == "Unknown"


# -- Windows (recorded outputs) --------------------------------------------------------------------------------


def windows_answers(kind: str) -> dict[tuple[str, ...], str]:
    commands = {
        "powershell": {
            "cpu": hw.WINDOWS_CPU_PS,
            "gpu": hw.WINDOWS_GPU_PS,
            "memory": hw.WINDOWS_MEMORY_PS,
            "disk": hw.WINDOWS_DISK_PS,
        },
        "wmic": {
            "cpu": hw.WINDOWS_CPU_WMIC,
            "gpu": hw.WINDOWS_GPU_WMIC,
            "memory": hw.WINDOWS_MEMORY_WMIC,
            "disk": hw.WINDOWS_DISK_WMIC,
        },
    }[kind]
    return {tuple(argv): recorded("windows", f"{name}_{kind}.txt") for name, argv in commands.items()}


WINDOWS_EXPECTED = (
    "CPU: Intel(R) Core(TM) i7-10700 CPU @ 2.90GHz. GPU: NVIDIA GeForce RTX 3060, Intel(R) UHD Graphics 630. "
    "Memory: 33442776. DriveSerial: E823_8FA6_BF53_0001_001B_448B_49B7_2A5C."
)


def test_windows_powershell() -> None:
    run = RecordedRunner(windows_answers("powershell"))
    assert hw.collect_windows(run).to_string() == WINDOWS_EXPECTED
    assert all(call[0] == "powershell.exe" for call in run.calls)
    assert all("Get-CimInstance" in call[-1] for call in run.calls)


def test_windows_falls_back_to_wmic_with_crlf_output() -> None:
    run = RecordedRunner(windows_answers("wmic"), crlf=True)
    assert hw.collect_windows(run).to_string() == WINDOWS_EXPECTED
    assert {call[0] for call in run.calls} == {"powershell.exe", "wmic"}


def test_windows_dispatch_and_mixed_failures() -> None:
    answers = windows_answers("powershell")
    del answers[tuple(hw.WINDOWS_GPU_PS)]  # PowerShell GPU query fails, wmic missing too
    answers[tuple(hw.WINDOWS_MEMORY_PS)] = "TotalVisibleMemorySize=\n\n"  # empty answer -> fallback -> none
    info = hw.collect_hardware("win32", RecordedRunner(answers))
    assert info.to_string() == (
        "CPU: Intel(R) Core(TM) i7-10700 CPU @ 2.90GHz. GPU: Unknown. Memory: Unknown. "
        "DriveSerial: E823_8FA6_BF53_0001_001B_448B_49B7_2A5C."
    )


def test_windows_disk_prefers_index_zero_among_several() -> None:
    assert hw.parse_windows_disk_serial(recorded("windows", "disk_wmic.txt")) == (
        "E823_8FA6_BF53_0001_001B_448B_49B7_2A5C."
    )
    assert hw.parse_windows_disk_serial("Index=2\nSerialNumber=  ABC 123 \n") == "ABC 123"


def test_windows_decodes_utf16_wmic_output() -> None:
    text = recorded("windows", "cpu_wmic.txt").replace("\n", "\r\n")
    assert hw._decode(b"\xff\xfe" + text.encode("utf-16-le")) == text
    assert hw._decode(text.encode("utf-16-le")) == text


def test_windows_powershell_bytes_with_bom_and_crlf_without_wmic() -> None:
    # What run_command reads from Windows PowerShell 5.1: CRLF line ends and, once the script sets
    # [Console]::OutputEncoding to UTF-8, possibly a UTF-8 byte-order mark before the first line. Windows 11 24H2
    # has no wmic to fall back on, so the first key must still be read; the string is the same as through wmic.
    answers = {}
    for argv, text in windows_answers("powershell").items():
        answers[argv] = hw._decode(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    run = RecordedRunner(answers)
    assert hw.collect_windows(run).to_string() == WINDOWS_EXPECTED
    assert all(call[0] == "powershell.exe" for call in run.calls)  # no wmic asked for
    assert hw.parse_windows_cpu("\ufeffName=Intel(R) Xeon(R) W-2245\r\n\r\n") == "Intel(R) Xeon(R) W-2245"


def test_windows_powershell_and_wmic_give_the_same_string_for_non_ascii_names() -> None:
    # The server binds the licence to the string: PowerShell (UTF-8) and wmic (UTF-16) must agree byte for byte.
    name = "Radeon\u2122 RX 7600 \u00ae"
    ps = hw._decode(f"Name={name}\r\nPNPDeviceID=PCI\\VEN_1002\r\n\r\n".encode())
    wmic = hw._decode(b"\xff\xfe" + f"\r\r\nName={name}\r\r\nPNPDeviceID=PCI\\VEN_1002\r\r\n".encode("utf-16-le"))
    assert hw.parse_windows_gpus(ps) == hw.parse_windows_gpus(wmic) == [name]


# -- macOS (recorded outputs) --------------------------------------------------------------------------------


def macos_answers() -> dict[tuple[str, ...], str]:
    return {
        tuple(hw.MACOS_CPU): recorded("macos", "cpu_brand.txt"),
        tuple(hw.MACOS_DISPLAYS): recorded("macos", "displays.txt"),
        tuple(hw.MACOS_MEMSIZE): recorded("macos", "memsize.txt"),
        tuple(hw.MACOS_HARDWARE): recorded("macos", "hardware.txt"),
        tuple(hw.MACOS_IOREG): recorded("macos", "ioreg.txt"),
    }


def test_macos() -> None:
    run = RecordedRunner(macos_answers())
    assert hw.collect_hardware("darwin", run).to_string() == (
        "CPU: Apple M2 Pro. GPU: Apple M2 Pro. Memory: 16777216. DriveSerial: C02XK1ABJGH5"
    )
    assert hw.MACOS_IOREG not in run.calls  # system_profiler answered, no fallback


def test_macos_two_gpus_and_ioreg_fallback() -> None:
    answers = macos_answers()
    answers[tuple(hw.MACOS_DISPLAYS)] = recorded("macos", "displays_intel.txt")
    del answers[tuple(hw.MACOS_HARDWARE)]
    run = RecordedRunner(answers)
    info = hw.collect_macos(run)
    assert info.gpu == "Intel UHD Graphics 630, AMD Radeon Pro 5500M"
    assert info.serial == "C02XK1ABJGH5"
    assert hw.MACOS_IOREG in run.calls


def test_every_command_failing_gives_unknown_fields_without_raising() -> None:
    run = RecordedRunner({})
    unknown = "CPU: Unknown. GPU: Unknown. Memory: Unknown. DriveSerial: Unknown"
    assert hw.collect_hardware("darwin", run).to_string() == unknown
    assert hw.collect_hardware("win32", run).to_string() == unknown

    def explode(argv: list[str]) -> str:
        raise RuntimeError("unexpected")

    assert hw.collect_macos(explode).to_string() == unknown
    assert hw.collect_windows(explode).to_string() == unknown


def test_garbage_output_gives_unknown() -> None:
    garbage = "\x00\x01 not what you expected\n=\n"
    answers = {k: garbage for k in list(windows_answers("powershell")) + list(macos_answers())}
    run = RecordedRunner(answers)
    assert hw.collect_windows(run).to_string() == ("CPU: Unknown. GPU: Unknown. Memory: Unknown. DriveSerial: Unknown")
    mac = hw.collect_macos(run)
    assert mac.memory_kb is None and mac.gpu == "Unknown"
    assert mac.cpu == "not what you expected ="  # control characters dropped, white space collapsed
