"""The canonical hardware string the server binds an account to (docs/protocol.md, "Hardware"):

    CPU: {cpu}. GPU: {gpu}. Memory: {memory_kb}. DriveSerial: {serial}

Each field has runs of white space collapsed to one space and is trimmed; a field that cannot be determined
is ``Unknown``. Collecting never raises. Commands are run as argument lists (never through a shell) with a
10 second timeout; every OS collector takes an injectable ``run(argv) -> stdout`` so recorded outputs can be
fed to it in tests.
"""

from __future__ import annotations

import logging
import os
import platform
import re
import shutil
import subprocess  # argument lists only, never a shell
import sys
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from core.child_env import child_env

log = logging.getLogger("azaion.hardware")

UNKNOWN = "Unknown"
COMMAND_TIMEOUT_S = 10.0

Runner = Callable[[list[str]], str]


class CommandError(Exception):
    """A hardware query command could not be run or exited with an error."""


def run_command(argv: list[str]) -> str:
    """Run ``argv`` (no shell) with a 10 s timeout and return its stdout; raise CommandError on any failure."""
    kwargs: dict = {}
    if sys.platform == "win32":
        kwargs["creationflags"] = getattr(subprocess, "CREATE_NO_WINDOW", 0)
    try:
        proc = subprocess.run(  # fixed argument lists built in this module
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=COMMAND_TIMEOUT_S,
            check=False,
            env=child_env(),  # no secret of ours (AZAION_PASSWORD, tokens) reaches lscpu, nvidia-smi, wmic...
            **kwargs,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise CommandError(f"{argv[0]}: {exc}") from exc
    if proc.returncode != 0:
        raise CommandError(f"{argv[0]} exited with status {proc.returncode}")
    return _decode(proc.stdout)


def _decode(data: bytes) -> str:
    # wmic may answer in UTF-16 when its output is redirected.
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(data) > 3 and data[1:2] == b"\x00" and data[3:4] == b"\x00"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    # utf-8-sig: Windows PowerShell 5.1 may put a byte-order mark before the first line once the script sets
    # [Console]::OutputEncoding to UTF-8 (that line's key would not be found, and its record would be lost)
    return data.decode("utf-8-sig", errors="replace")


def normalize_field(value: object) -> str:
    """Collapse white space runs to one space and trim; control characters count as white space; empty or
    missing -> ``Unknown``."""
    if value is None:
        return UNKNOWN
    text = "".join(ch if ch.isprintable() else " " for ch in str(value))
    text = " ".join(text.split())
    return text or UNKNOWN


@dataclass(frozen=True)
class HardwareInfo:
    cpu: str = UNKNOWN
    gpu: str = UNKNOWN
    memory_kb: int | None = None
    serial: str = UNKNOWN

    def to_string(self) -> str:
        return format_hardware_string(self.cpu, self.gpu, self.memory_kb, self.serial)


def format_hardware_string(cpu: str | None, gpu: str | None, memory_kb: int | None, serial: str | None) -> str:
    memory = str(int(memory_kb)) if isinstance(memory_kb, int) and memory_kb > 0 else UNKNOWN
    return (
        f"CPU: {normalize_field(cpu)}. GPU: {normalize_field(gpu)}. "
        f"Memory: {memory}. DriveSerial: {normalize_field(serial)}"
    )


def _join_gpus(names: Iterable[str]) -> str:
    cleaned = [normalize_field(n) for n in names]
    cleaned = [n for n in cleaned if n != UNKNOWN]
    return ", ".join(cleaned) if cleaned else UNKNOWN


def _safe(label: str, func: Callable[[], object], default: object = UNKNOWN) -> object:
    try:
        value = func()
    except Exception as exc:  # never let one field break the whole string
        log.warning("hardware: could not read %s: %s", label, exc)
        return default
    return default if value is None or value == "" else value


# ---------------------------------------------------------------------------------------------------------
# Parsers (pure functions, tested with recorded outputs)
# ---------------------------------------------------------------------------------------------------------

_CPUINFO_KEYS = ("model name", "hardware", "cpu model", "processor", "cpu")


def parse_cpuinfo(text: str) -> str | None:
    """CPU model from /proc/cpuinfo: ``model name`` (x86), else ``Hardware`` (ARM), ``cpu model`` (MIPS),
    a textual ``Processor`` (old ARM) or ``cpu`` (POWER)."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key = key.strip().lower()
        value = value.strip()
        if key in _CPUINFO_KEYS and value and key not in fields:
            fields[key] = value
    for key in _CPUINFO_KEYS:
        found = fields.get(key)
        # On x86 "processor" is the CPU index (0, 1, ...), not a name.
        if found and not found.isdigit():
            return found
    return None


def parse_meminfo(text: str) -> int | None:
    """``MemTotal`` of /proc/meminfo in KiB."""
    match = re.search(r"^MemTotal:\s*(\d+)\s*kB", text, re.MULTILINE | re.IGNORECASE)
    return int(match.group(1)) if match else None


_LSPCI_LINE = re.compile(
    r"^\S+\s+(?P<cls>VGA compatible controller|3D controller|Display controller)"
    r"(?:\s*\[[0-9a-fA-F]{4}\])?:\s*(?P<name>.+?)\s*$"
)
_REV_SUFFIX = re.compile(r"\s*\(rev [0-9a-fA-F]+\)\s*$")


def parse_lspci(text: str) -> list[str]:
    """GPU names from plain ``lspci`` output (VGA / 3D / Display controllers), without the ``(rev xx)``."""
    names = []
    for line in text.splitlines():
        match = _LSPCI_LINE.match(line.strip())
        if match:
            names.append(_REV_SUFFIX.sub("", match.group("name")).strip())
    return [n for n in names if n]


def parse_udev_serial(text: str) -> str | None:
    """Serial from a /run/udev/data/b{maj}:{min} record: ``ID_SERIAL_SHORT``, else ``ID_SERIAL``."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("E:"):
            key, _, value = line[2:].partition("=")
            values[key] = value.strip()
    return values.get("ID_SERIAL_SHORT") or values.get("ID_SERIAL") or None


def parse_key_value_blocks(text: str) -> list[dict[str, str]]:
    """Blocks of ``Key=Value`` lines separated by blank lines (``wmic ... /format:list`` and the PowerShell
    queries of this module print that shape)."""
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for raw in text.replace("\r", "").replace("\ufeff", "").split("\n"):  # a stray byte-order mark too
        line = raw.strip()
        if not line:
            if current:
                blocks.append(current)
                current = {}
            continue
        key, sep, value = line.partition("=")
        if not sep:
            continue
        key = key.strip()
        if key in current:  # a repeated key starts a new record
            blocks.append(current)
            current = {}
        current[key] = value.strip()
    if current:
        blocks.append(current)
    return blocks


def _values(text: str, key: str) -> list[str]:
    return [b[key] for b in parse_key_value_blocks(text) if b.get(key, "").strip()]


def parse_windows_cpu(text: str) -> str | None:
    names = _values(text, "Name")
    return names[0] if names else None


def parse_windows_gpus(text: str) -> list[str]:
    """Video controllers; adapters backed by a PCI device are preferred, so virtual adapters that come and go
    (remote desktop, screen-sharing drivers) do not change the string."""
    blocks = [b for b in parse_key_value_blocks(text) if b.get("Name", "").strip()]
    pci = [b for b in blocks if b.get("PNPDeviceID", "").upper().startswith("PCI\\")]
    chosen = pci or blocks
    return [b["Name"] for b in chosen]


def parse_windows_memory(text: str) -> int | None:
    values = _values(text, "TotalVisibleMemorySize")
    for value in values:
        if value.isdigit():
            return int(value)
    return None


def parse_windows_disk_serial(text: str) -> str | None:
    """The system disk's ``SerialNumber``: the only listed disk, else the one with ``Index`` 0, else the first
    with a serial."""
    blocks = [b for b in parse_key_value_blocks(text) if "SerialNumber" in b]
    if not blocks:
        return None
    if len(blocks) > 1:
        blocks.sort(key=lambda b: 0 if b.get("Index", "").strip() == "0" else 1)
    for block in blocks:
        serial = block["SerialNumber"].strip()
        if serial:
            return serial
    return None


def parse_sysctl_value(text: str) -> str | None:
    value = text.strip()
    return value or None


def parse_macos_memsize(text: str) -> int | None:
    value = text.strip()
    return int(value) // 1024 if value.isdigit() else None


def parse_system_profiler_displays(text: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(r"^\s*Chipset Model:\s*(.+?)\s*$", text, re.MULTILINE)]


def parse_system_profiler_serial(text: str) -> str | None:
    match = re.search(r"^\s*Serial Number(?: \(system\))?:\s*(\S.*?)\s*$", text, re.MULTILINE)
    return match.group(1) if match else None


def parse_ioreg_serial(text: str) -> str | None:
    match = re.search(r'"IOPlatformSerialNumber"\s*=\s*"([^"]*)"', text)
    if not match:
        return None
    return match.group(1).strip() or None


# ---------------------------------------------------------------------------------------------------------
# Windows
# ---------------------------------------------------------------------------------------------------------

_PS_PREFIX = "try { [Console]::OutputEncoding = [Text.Encoding]::UTF8 } catch {}; $ErrorActionPreference = 'Stop'; "


def _powershell(script: str) -> list[str]:
    return [
        "powershell.exe",
        "-NoProfile",
        "-NonInteractive",
        "-ExecutionPolicy",
        "Bypass",
        "-Command",
        _PS_PREFIX + script,
    ]


WINDOWS_CPU_PS = _powershell("Get-CimInstance -ClassName Win32_Processor | ForEach-Object { 'Name=' + $_.Name; '' }")
WINDOWS_GPU_PS = _powershell(
    "Get-CimInstance -ClassName Win32_VideoController | "
    "ForEach-Object { 'Name=' + $_.Name; 'PNPDeviceID=' + $_.PNPDeviceID; '' }"
)
WINDOWS_MEMORY_PS = _powershell(
    "Get-CimInstance -ClassName Win32_OperatingSystem | "
    "ForEach-Object { 'TotalVisibleMemorySize=' + $_.TotalVisibleMemorySize; '' }"
)
# The disk drive holding the system drive's partition; Index 0 if the association cannot be followed.
WINDOWS_DISK_PS = _powershell(
    "$d = @(); "
    "try { $d = @(Get-CimInstance -ClassName Win32_LogicalDisk | Where-Object { $_.DeviceID -eq $env:SystemDrive }"
    " | Get-CimAssociatedInstance -ResultClassName Win32_DiskPartition"
    " | Get-CimAssociatedInstance -ResultClassName Win32_DiskDrive) } catch { $d = @() }; "
    "if ($d.Count -eq 0) { $d = @(Get-CimInstance -ClassName Win32_DiskDrive | Where-Object { $_.Index -eq 0 }) }; "
    "$d | ForEach-Object { 'Index=' + $_.Index; 'SerialNumber=' + $_.SerialNumber; '' }"
)
WINDOWS_CPU_WMIC = ["wmic", "cpu", "get", "Name", "/format:list"]
WINDOWS_GPU_WMIC = ["wmic", "path", "Win32_VideoController", "get", "Name,PNPDeviceID", "/format:list"]
WINDOWS_MEMORY_WMIC = ["wmic", "os", "get", "TotalVisibleMemorySize", "/format:list"]
WINDOWS_DISK_WMIC = ["wmic", "diskdrive", "get", "Index,SerialNumber", "/format:list"]


def _query(run: Runner, commands: Iterable[list[str]], parse: Callable[[str], object], label: str) -> object:
    """First non-empty parse result of the commands tried in order; None if all fail."""
    for argv in commands:
        try:
            result = parse(run(list(argv)))
        except Exception as exc:
            log.debug("hardware: %s via %s failed: %s", label, argv[0], exc)
            continue
        if result:
            return result
    return None


def collect_windows(run: Runner = run_command) -> HardwareInfo:
    """Win32_Processor / Win32_VideoController / Win32_OperatingSystem / Win32_DiskDrive through PowerShell
    ``Get-CimInstance``, with ``wmic`` as the fallback for each."""
    queries = {
        "cpu": ([WINDOWS_CPU_PS, WINDOWS_CPU_WMIC], parse_windows_cpu),
        "gpu": ([WINDOWS_GPU_PS, WINDOWS_GPU_WMIC], parse_windows_gpus),
        "memory": ([WINDOWS_MEMORY_PS, WINDOWS_MEMORY_WMIC], parse_windows_memory),
        "serial": ([WINDOWS_DISK_PS, WINDOWS_DISK_WMIC], parse_windows_disk_serial),
    }
    # Each PowerShell start costs around a second, so the four queries run side by side.
    with ThreadPoolExecutor(max_workers=len(queries), thread_name_prefix="azaion-hw") as pool:
        futures = {k: pool.submit(_query, run, cmds, parse, k) for k, (cmds, parse) in queries.items()}
        results = {k: _safe(k, f.result, None) for k, f in futures.items()}
    return HardwareInfo(
        cpu=normalize_field(results["cpu"]),
        gpu=_join_gpus(results["gpu"] or []),  # type: ignore[arg-type]
        memory_kb=results["memory"],  # type: ignore[arg-type]
        serial=normalize_field(results["serial"]),
    )


# ---------------------------------------------------------------------------------------------------------
# macOS
# ---------------------------------------------------------------------------------------------------------

MACOS_CPU = ["sysctl", "-n", "machdep.cpu.brand_string"]
MACOS_DISPLAYS = ["system_profiler", "SPDisplaysDataType"]
MACOS_MEMSIZE = ["sysctl", "-n", "hw.memsize"]
MACOS_HARDWARE = ["system_profiler", "SPHardwareDataType"]
MACOS_IOREG = ["ioreg", "-rd1", "-c", "IOPlatformExpertDevice"]


def collect_macos(run: Runner = run_command) -> HardwareInfo:
    """``sysctl`` for CPU and memory, ``system_profiler`` for GPUs and the system serial number (``ioreg``
    IOPlatformSerialNumber as the fallback)."""
    cpu = _query(run, [MACOS_CPU], parse_sysctl_value, "cpu")
    gpus = _query(run, [MACOS_DISPLAYS], parse_system_profiler_displays, "gpu") or []
    memory = _query(run, [MACOS_MEMSIZE], parse_macos_memsize, "memory")
    serial = _query(run, [MACOS_HARDWARE], parse_system_profiler_serial, "serial")
    if not serial:
        serial = _query(run, [MACOS_IOREG], parse_ioreg_serial, "serial")
    return HardwareInfo(
        cpu=normalize_field(cpu),
        gpu=_join_gpus(gpus),  # type: ignore[arg-type]
        memory_kb=memory,  # type: ignore[arg-type]
        serial=normalize_field(serial),
    )


# ---------------------------------------------------------------------------------------------------------
# Linux
# ---------------------------------------------------------------------------------------------------------

_PCI_IDS_FILES = (
    "/usr/share/misc/pci.ids",
    "/usr/share/hwdata/pci.ids",
    "/usr/share/pci.ids",
)


def _read_text(path: Path | str) -> str | None:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def linux_cpu(root: Path = Path("/")) -> str | None:
    text = _read_text(root / "proc/cpuinfo")
    name = parse_cpuinfo(text) if text else None
    if not name:
        proc = platform.processor().strip()
        if proc and proc.lower() != "unknown":
            name = proc
    return name


def linux_memory_kb(root: Path = Path("/")) -> int | None:
    text = _read_text(root / "proc/meminfo")
    return parse_meminfo(text) if text else None


def pci_ids_lookup(vendor: str, device: str, pci_ids_text: str) -> str | None:
    """``Vendor Device`` names from a pci.ids database text, as lspci prints them."""
    vendor = vendor.lower().removeprefix("0x")
    device = device.lower().removeprefix("0x")
    vendor_name = None
    for line in pci_ids_text.splitlines():
        if not line or line.startswith("#"):
            continue
        if not line.startswith("\t"):
            if vendor_name is not None:
                break  # left the vendor's section without finding the device
            if line[:4].lower() == vendor and line[4:6] == "  ":
                vendor_name = line[6:].strip()
            continue
        if vendor_name is not None and not line.startswith("\t\t") and line[1:5].lower() == device:
            return f"{vendor_name} {line[7:].strip()}"
    return vendor_name


def _linux_gpus_from_sysfs(root: Path) -> list[str]:
    drm = root / "sys/class/drm"
    try:
        cards = sorted(p for p in drm.iterdir() if re.fullmatch(r"card\d+", p.name))
    except OSError:
        return []
    pci_ids = None
    for candidate in _PCI_IDS_FILES:
        pci_ids = _read_text(root / candidate.lstrip("/"))
        if pci_ids:
            break
    names: list[str] = []
    seen: set[str] = set()
    for card in cards:
        device_dir = card / "device"
        try:
            real = str(device_dir.resolve())
        except OSError:
            continue
        if real in seen:
            continue
        seen.add(real)
        vendor = (_read_text(device_dir / "vendor") or "").strip()
        device = (_read_text(device_dir / "device") or "").strip()
        uevent = _read_text(device_dir / "uevent") or ""
        driver = re.search(r"^DRIVER=(.+)$", uevent, re.MULTILINE)
        if not (vendor and device):
            pci_id = re.search(r"^PCI_ID=([0-9A-Fa-f]{4}):([0-9A-Fa-f]{4})$", uevent, re.MULTILINE)
            if pci_id:
                vendor, device = pci_id.group(1), pci_id.group(2)
        name = pci_ids_lookup(vendor, device, pci_ids) if (pci_ids and vendor and device) else None
        if not name and vendor and device:
            name = f"PCI {vendor.lower().removeprefix('0x')}:{device.lower().removeprefix('0x')}"
            if driver:
                name += f" ({driver.group(1).strip()})"
        if not name and driver:
            name = driver.group(1).strip()
        if name:
            names.append(name)
    return names


def linux_gpus(run: Runner = run_command, root: Path = Path("/")) -> list[str]:
    if shutil.which("lspci"):
        try:
            names = parse_lspci(run(["lspci"]))
        except Exception as exc:
            log.debug("hardware: lspci failed: %s", exc)
            names = []
        if names:
            return names
    return _linux_gpus_from_sysfs(root)


def _root_device_numbers(root: Path) -> tuple[int, int] | None:
    """MAJ:MIN of the block device mounted on ``/``."""
    result: tuple[int, int] | None = None
    text = _read_text(root / "proc/self/mountinfo") or ""
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 10 or parts[4] != "/" or "-" not in parts[6:]:
            continue
        sep = parts.index("-", 6)
        source = parts[sep + 2] if len(parts) > sep + 2 else ""
        try:
            major, minor = (int(x) for x in parts[2].split(":"))
        except ValueError:
            major, minor = 0, 0
        if major == 0 and source.startswith("/dev/"):
            # btrfs and friends report an anonymous device number; the mount source names the real one.
            try:
                rdev = os.stat(source).st_rdev
            except OSError:
                continue
            major, minor = os.major(rdev), os.minor(rdev)
        if major != 0:
            result = (major, minor)  # the last mount on "/" wins: later lines shadow earlier ones
    if result is not None:
        return result
    try:
        st_dev = os.stat(root).st_dev
    except OSError:
        return None
    if os.major(st_dev) == 0:
        return None
    return os.major(st_dev), os.minor(st_dev)


def _disk_of(sys_dev: Path) -> Path | None:
    """Walk from a block device in sysfs to the whole disk: partition -> parent, dm/md -> first slave."""
    try:
        node = sys_dev.resolve(strict=True)
    except OSError:
        return None
    for _ in range(16):
        if (node / "partition").exists():
            node = node.parent
            continue
        slaves_dir = node / "slaves"
        try:
            slaves = sorted(slaves_dir.iterdir())
        except OSError:
            slaves = []
        if slaves:
            try:
                node = slaves[0].resolve(strict=True)
            except OSError:
                return node
            continue
        return node
    return node


def _clean_serial(value: str | None) -> str | None:
    if not value:
        return None
    text = "".join(ch for ch in value if ch.isprintable()).strip()
    return text or None


def _vpd_pg80_serial(data: bytes) -> str | None:
    # SCSI VPD page 0x80 (unit serial number): 4-byte header, byte 3 is the length.
    if len(data) < 4 or data[1] != 0x80:
        return None
    return _clean_serial(data[4 : 4 + data[3]].decode("ascii", errors="ignore"))


def linux_drive_serial(root: Path = Path("/")) -> str | None:
    """Serial of the disk holding ``/``; /etc/machine-id when the disk reports none (VMs, containers)."""
    numbers = cast("tuple[int, int] | None", _safe("root device", lambda: _root_device_numbers(root), None))
    if numbers:
        major, minor = numbers
        disk = _disk_of(root / f"sys/dev/block/{major}:{minor}")
        if disk is not None:
            candidates: list[Callable[[], str | None]] = [
                lambda: _read_text(disk / "device/serial"),
                lambda: _read_text(disk / "serial"),
                lambda: _vpd_pg80_serial((disk / "device/vpd_pg80").read_bytes()),
            ]
            dev = (_read_text(disk / "dev") or "").strip()
            if re.fullmatch(r"\d+:\d+", dev):
                candidates.append(lambda: parse_udev_serial(_read_text(root / f"run/udev/data/b{dev}") or ""))
            for candidate in candidates:
                try:
                    serial = _clean_serial(candidate())
                except OSError:
                    serial = None
                if serial:
                    return serial
    for path in ("etc/machine-id", "var/lib/dbus/machine-id"):
        machine_id = _clean_serial(_read_text(root / path))
        if machine_id:
            return machine_id
    return None


def collect_linux(run: Runner = run_command, root: Path = Path("/")) -> HardwareInfo:
    """/proc/cpuinfo, ``lspci`` (or /sys/class/drm), /proc/meminfo and the system disk's serial."""
    return HardwareInfo(
        cpu=normalize_field(_safe("cpu", lambda: linux_cpu(root), None)),
        gpu=_join_gpus(_safe("gpu", lambda: linux_gpus(run, root), None) or []),  # type: ignore[arg-type]
        memory_kb=_safe("memory", lambda: linux_memory_kb(root), None),  # type: ignore[arg-type]
        serial=normalize_field(_safe("drive serial", lambda: linux_drive_serial(root), None)),
    )


# ---------------------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------------------


def collect_hardware(platform_name: str | None = None, run: Runner = run_command) -> HardwareInfo:
    """Collect for ``platform_name`` (a ``sys.platform`` value; default: this machine). Never raises."""
    name = platform_name or sys.platform
    try:
        if name == "win32" or name == "cygwin":
            return collect_windows(run)
        if name == "darwin":
            return collect_macos(run)
        return collect_linux(run)
    except Exception as exc:  # pragma: no cover - each collector already guards its fields
        log.warning("hardware: collection failed: %s", exc)
        return HardwareInfo()


_cache_lock = threading.Lock()
_cached: str | None = None


def get_hardware_string() -> str:
    """This machine's canonical hardware string, computed once per process (thread-safe)."""
    global _cached
    with _cache_lock:
        if _cached is None:
            _cached = collect_hardware().to_string()
        return _cached


def reset_hardware_cache() -> None:
    """Forget the cached string (tests; a hardware change while running)."""
    global _cached
    with _cache_lock:
        _cached = None
