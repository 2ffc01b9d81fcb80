"""This machine's speed unit ("ref"): the ECCV16 network at 256 x 256, 2 threads, median.

    python benchmarks/machine_ref.py          # prints e.g. "ref = 0.192 s (ECCV16 256², 2 threads)"

Machines of this project differ by 4x in speed: every benchmark measures this reference in
the same run and reports its timings also as multiples of it, so that figures taken on two
machines (or one busy machine) can be compared and targets are judged in these units.
The network is Zhang et al.'s ECCV16 architecture with random weights (benchmarks/eccv16.py).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.eccv16 import ECCV16  # noqa: E402

SIZE = 256
THREADS = 2


@torch.no_grad()
def reference_seconds(repeats: int = 7, threads: int = THREADS) -> float:
    """Median seconds of one ECCV16 forward pass at 256 x 256 on ``threads`` CPU threads
    (after one warm-up pass); the torch thread count is restored afterwards."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        torch.manual_seed(0)
        net = ECCV16().eval()
        x = torch.rand(1, 1, SIZE, SIZE)
        net.logits(x)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            net.logits(x)
            times.append(time.perf_counter() - t0)
        return statistics.median(times)
    finally:
        torch.set_num_threads(before)


def in_ref(seconds: float, ref: float) -> str:
    """``seconds`` written as a multiple of the reference, e.g. "1.35 ref"."""
    return f"{seconds / ref:.2f} ref"


if __name__ == "__main__":
    print(f"ref = {reference_seconds():.3f} s (ECCV16 {SIZE}², {THREADS} threads, median)")
