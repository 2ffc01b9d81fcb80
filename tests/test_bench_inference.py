"""The benchmark's ECCV16 re-implementation and its RESULTS.md section writer."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from benchmarks.bench_inference import SECTION
from benchmarks.eccv16 import ECCV16, ECCV16Trainer, Q, bin_centres
from benchmarks.results_md import write_section
from core.colorizer import Colorizer


@pytest.fixture
def one_thread():
    # a 32 M-parameter step: one thread is faster than two fighting a busy machine
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def test_eccv16_architecture_pipeline_and_training_step(one_thread):
    torch.manual_seed(0)
    net = ECCV16().eval()
    n = sum(p.numel() for p in net.parameters())
    assert 31.5e6 < n < 33e6  # the original has about 32 M parameters
    dilated = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d) and m.dilation == (2, 2)]
    assert len(dilated) == 6  # blocks 5 and 6
    assert net.model8[-1].out_channels == Q == 313
    with torch.no_grad():
        y = net(torch.rand(1, 1, 20, 28))  # not a multiple of 8: padded, then cropped
    assert y.shape == (1, 2, 20, 28) and torch.isfinite(y).all()
    # runs end to end through the same pipeline as our U-Net
    rgb = np.random.default_rng(0).integers(0, 256, (24, 30, 3), dtype=np.uint8)
    out = Colorizer(net, device="cpu", working_size=16).colorize(rgb)
    assert out.rgb.shape == rgb.shape
    # one training step of the original's kind (cross-entropy over 313 classes)
    centres = bin_centres()
    assert centres.shape == (313, 2) and centres.abs().max() <= 1.0
    trainer = ECCV16Trainer(net)
    loss = trainer.step(torch.rand(2, 1, 16, 16), torch.rand(2, 3, 16, 16) * 2 - 1)
    assert np.isfinite(loss) and loss > 0


def test_write_section_keeps_other_sections(tmp_path):
    path = tmp_path / "RESULTS.md"
    path.write_text("# Benchmarks\n\n## Other\n\nkeep me\n")
    write_section(path, SECTION, SECTION + "\n\nfirst\n")
    write_section(path, SECTION, SECTION + "\n\nsecond\n")
    text = path.read_text()
    assert "keep me" in text and "second" in text and "first" not in text
    assert text.count(SECTION) == 1
    path.write_text(f"# B\n\n{SECTION}\n\nold\n\n## Later\n\nstays\n")
    write_section(path, SECTION, SECTION + "\n\nnew\n")
    assert path.read_text() == f"# B\n\n{SECTION}\n\nnew\n\n## Later\n\nstays\n"
