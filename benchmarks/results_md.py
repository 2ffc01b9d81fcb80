"""What every benchmark writes: its section of ``benchmarks/RESULTS.md``, and the machine."""

from __future__ import annotations

import platform
from pathlib import Path


def write_section(path: Path, title: str, section: str) -> None:
    """Replace the section whose heading is ``title`` (or append it); others stay."""
    lines = path.read_text().splitlines() if path.is_file() else ["# Benchmarks"]
    start = next((i for i, x in enumerate(lines) if x.strip() == title), None)
    if start is None:
        lines += [""] + section.rstrip("\n").splitlines()
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
                   len(lines))
        lines[start:end] = section.rstrip("\n").splitlines() + [""]
    path.write_text("\n".join(lines).rstrip("\n") + "\n")


def cpu_name() -> str:
    """The CPU's model name (Linux), else what the platform says."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"
