"""Train a colorizer: one plain loop over a reusable training step.

    python -m core.train --data ../shared/data --out weights/NAME --minutes 60

Under ``torchrun --nproc_per_node N`` the same command trains with DistributedDataParallel
(NCCL on GPUs, gloo on CPUs). The :class:`Trainer` does one step at a time and never
blocks, so the live-training screen drives it tick by tick.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from core.hints.planes import (
    AUTO_CHANNELS,
    AUTO_INPUT_CHANNELS,
    FILLS,
    GEOMETRIC_P,
    HINT_CHANNELS,
    automatic_answer,
    automatic_planes,
    extend_input_weights,
    simulate_hints,
)
from core.losses import (
    ab_bin_index,
    ab_prior,
    below_automatic_loss,
    grey_prediction,
    pixel_loss,
    rebalance_weights,
    target_for,
)
from core.unet import UNet, UNetConfig, count_parameters
from core.weights import save_model


# -- the training step ----------------------------------------------------------------------
class Trainer:
    """Owns a model and its optimizer; :meth:`step` does exactly one optimisation step."""

    def __init__(self, model: torch.nn.Module, lr: float = 2e-3, loss: str = "l1",
                 weight_decay: float = 1e-4, color_weights: torch.Tensor | None = None,
                 device: str | torch.device = "cpu"):
        self.model = model
        self.net = model.module if hasattr(model, "module") else model
        self.output = self.net.config.output
        self.loss = loss
        self.base_lr = lr
        self.device = torch.device(device)
        self.color_weights = None if color_weights is None else color_weights.to(self.device)
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
        self.steps_done = 0
        self.hint_seed = 0
        self.hint_fill = "nearest"  # the hints' fill planes (core.hints.FILLS)
        self.hint_p = GEOMETRIC_P  # the simulated hints' geometric law
        # a hint model that also takes the automatic answer: (automatic UNet, its chroma gain)
        self.auto: tuple[torch.nn.Module, float] | None = None
        # weight of the per-photo "no worse than the automatic answer" term (0: off)
        self.not_worse = 0.0
        # weigh that term 1 / max(1, n) for a sample with n simulated hints: few hints must
        # not make a photo worse, ten hints may be trusted more
        self.not_worse_per_hint = False
        self._counts: list[int] = []  # the last batch's numbers of simulated hints

    def model_input(self, gray: torch.Tensor, lab: torch.Tensor, seed: int) -> torch.Tensor:
        """The network's input: the grey batch, plus simulated colour hints for a hint model.

        The hints of a batch are a pure function of ``seed`` (exact resume, fixed validation).
        """
        if self.net.config.in_channels == 1:
            return gray
        g = torch.Generator().manual_seed(seed)
        grays = gray.float().cpu() if self.hint_fill == "edges" else None
        self._counts = []
        planes = [gray, simulate_hints(lab.float().cpu(), g, grays, self.hint_p,
                                       self._counts).to(gray.device)]
        if self.net.config.in_channels == AUTO_INPUT_CHANNELS:
            if self.auto is None:
                raise ValueError("this model also takes the automatic answer: set Trainer.auto")
            planes.append(automatic_planes(automatic_answer(self.auto[0], gray)[1], self.auto[1]))
        return torch.cat(planes, dim=1)

    def set_lr(self, lr: float) -> None:
        for g in self.optimizer.param_groups:
            g["lr"] = lr

    def compute_loss(self, pred: torch.Tensor, gray: torch.Tensor, lab: torch.Tensor,
                     rgb: torch.Tensor) -> torch.Tensor:
        target = target_for(self.output, lab, rgb)
        err = pixel_loss(self.loss, pred, target)
        if self.color_weights is not None and self.output in ("lab", "ab"):
            w = self.color_weights[ab_bin_index(lab)].unsqueeze(1)  # (N, 1, H, W)
            if self.output == "lab":
                err = torch.cat([err[:, :1], err[:, 1:] * w], dim=1)
            else:
                err = err * w
        return err.mean()

    def below_automatic(self, pred: torch.Tensor, x: torch.Tensor, lab: torch.Tensor
                        ) -> torch.Tensor:
        """:func:`core.losses.below_automatic_loss` of a batch: the (a, b) predicted, those of
        the automatic answer the input carries (its last two planes), the true ones."""
        if self.output != "lab" or x.shape[1] != AUTO_INPUT_CHANNELS:
            raise ValueError("the no-worse term needs a Lab hint model taking the automatic answer")
        weights = None
        if self.not_worse_per_hint:
            weights = 1.0 / torch.tensor(self._counts, dtype=torch.float32).clamp_min(1.0)
        return below_automatic_loss(pred[:, 1:3].float(), x[:, -AUTO_CHANNELS:].float(),
                                    lab[:, 1:3].float(), weights=weights)

    def step(self, gray: torch.Tensor, lab: torch.Tensor, rgb: torch.Tensor) -> float:
        """One step on one batch; returns the training loss."""
        self.model.train()
        gray, lab, rgb = (t.to(self.device, non_blocking=True) for t in (gray, lab, rgb))
        x = self.model_input(gray, lab, self.hint_seed * 1_000_003 + self.steps_done)
        pred = self.model(x)
        loss = self.compute_loss(pred, gray, lab, rgb)
        if self.not_worse > 0:
            loss = loss + self.not_worse * self.below_automatic(pred, x, lab)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.steps_done += 1
        return float(loss.detach())

    @torch.no_grad()
    def evaluate(self, batches) -> dict[str, float]:
        """Mean validation loss of the model and of the grey baseline (unweighted loss)."""
        self.net.eval()
        total = grey = n = 0.0
        for i, (gray, lab, rgb) in enumerate(batches):
            gray, lab, rgb = (t.to(self.device) for t in (gray, lab, rgb))
            target = target_for(self.output, lab, rgb)
            pred = self.net(self.model_input(gray, lab, seed=-1 - i))
            total += float(pixel_loss(self.loss, pred, target).mean()) * len(gray)
            grey += float(pixel_loss(self.loss, grey_prediction(self.output, gray), target)
                          .mean()) * len(gray)
            n += len(gray)
        return {"val_loss": total / max(n, 1), "grey_loss": grey / max(n, 1)}

    # -- exact checkpoints without pickle: tensors in safetensors, the rest in JSON ----------
    def state_tensors(self) -> dict[str, torch.Tensor]:
        out = {f"model.{k}": v.detach().cpu().contiguous()
               for k, v in self.net.state_dict().items()}
        for i, st in self.optimizer.state_dict()["state"].items():
            for k, v in st.items():
                out[f"opt.{i}.{k}"] = torch.as_tensor(v).detach().cpu().contiguous()
        return out

    def load_state_tensors(self, tensors: dict[str, torch.Tensor]) -> None:
        self.net.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
        sd = self.optimizer.state_dict()
        state: dict[int, dict] = {}
        for k, v in tensors.items():
            if k.startswith("opt."):
                _, i, name = k.split(".", 2)
                state.setdefault(int(i), {})[name] = v.to(self.device) if v.ndim else v
        sd["state"] = state
        self.optimizer.load_state_dict(sd)


def lr_at(progress: float, base: float, warmup: float = 0.02, floor: float = 0.05) -> float:
    """Linear warm-up then cosine decay to floor * base; progress in [0, 1]."""
    if progress < warmup:
        return base * max(progress / warmup, 0.01)
    t = min((progress - warmup) / (1 - warmup), 1.0)
    return base * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * t)))


def init_model(config: UNetConfig, init: str | None) -> UNet:
    """A new U-Net, or one that starts from saved weights (``init``).

    The saved model must have the same architecture except, possibly, the input: a grey-only
    model can start a hint model, its hint inputs weighted zero (core.hints).
    """
    model = UNet(config)
    if init:
        from core.weights import load_model

        base, _ = load_model(init)
        if {**base.config.to_dict(), "in_channels": config.in_channels} != config.to_dict():
            raise SystemExit(f"--init {init}: another architecture ({base.config})")
        state = base.state_dict()
        if base.config.in_channels != config.in_channels:
            state = extend_input_weights(state, config.in_channels)
        model.load_state_dict(state)
    return model


# -- the command-line training run -------------------------------------------------------------
@dataclass
class TrainConfig:
    data: list[str] = field(default_factory=list)
    out: str = "weights/colorizer"
    minutes: float | None = None
    steps: int | None = None
    size: int = 128
    batch: int = 32
    lr: float = 2e-3
    width: int = 16
    depth: int = 5
    upsampling: str = "transposed"
    skips: bool = True
    output: str = "lab"
    bound: str = "scaled_sigmoid"
    loss: str = "l1"
    rebalance: float = 0.0  # 0 = off; else lambda of rebalance_weights (e.g. 0.5)
    max_share: float = 0.4
    val_per_source: int = 100
    val_every: int = 200
    ckpt_every: int = 200
    log_every: int = 10
    workers: int = 2
    threads: int = 0  # torch threads of the training process; 0 = all cores
    seed: int = 0
    resume: bool = False
    half: bool = False
    hints: bool = False  # a colour-hint model: grey + 6 hint planes in, hints simulated
    init: str | None = None  # start from these weights (weights/NAME); hint inputs at zero
    hint_fill: str = "nearest"  # the hints' fill planes: "nearest" or "edges"
    hint_p: float = GEOMETRIC_P  # geometric law of the simulated hints' number (1/8: ideepcolor)
    # with --hints: weights/NAME of the automatic colorizer whose answer is also an input
    auto: str | None = None
    # with --auto: weight of the per-photo "no worse than the automatic answer" term
    not_worse: float = 0.0
    not_worse_per_hint: bool = False  # that term weighed 1 / max(1, n hints) per sample
    chroma_threshold: float = 4.0
    save_every_rank: bool = False  # tests: every DDP replica writes NAME-rankK too


def parse_args(argv: list[str] | None = None) -> TrainConfig:
    p = argparse.ArgumentParser(prog="python -m core.train", description=__doc__.split("\n")[0])
    d = TrainConfig()
    p.add_argument("--data", nargs="+", required=True, help="folder(s) of colour photos")
    p.add_argument("--out", required=True,
                   help="DIR/NAME: writes NAME.safetensors + NAME.json (weights/NAME to ship it)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--minutes", type=float, help="training time budget")
    g.add_argument("--steps", type=int, help="number of optimisation steps")
    for name in ("size", "batch", "width", "depth", "val_every", "ckpt_every", "log_every",
                 "workers", "threads", "seed", "val_per_source"):
        p.add_argument(f"--{name.replace('_', '-')}", type=int, default=getattr(d, name))
    for name in ("lr", "rebalance", "max_share", "chroma_threshold", "hint_p",
                 "not_worse"):
        p.add_argument(f"--{name.replace('_', '-')}", type=float, default=getattr(d, name))
    p.add_argument("--upsampling", choices=["transposed", "bilinear", "nearest"], default=d.upsampling)
    p.add_argument("--output", choices=["lab", "ab", "rgb"], default=d.output)
    p.add_argument("--bound", choices=["scaled_sigmoid", "none"], default=d.bound)
    p.add_argument("--loss", choices=["l2", "l1", "huber"], default=d.loss)
    p.add_argument("--no-skips", dest="skips", action="store_false")
    p.add_argument("--resume", action="store_true", help="continue from NAME.ckpt.*")
    p.add_argument("--half", action="store_true", help="store the final weights in float16")
    p.add_argument("--hints", action="store_true",
                   help="train a colour-hint model (grey + simulated hints in)")
    p.add_argument("--init", help="weights/NAME to start from (e.g. the automatic colorizer)")
    p.add_argument("--hint-fill", choices=FILLS, default=d.hint_fill, help="with --hints")
    p.add_argument("--auto", help="with --hints: weights/NAME of the automatic colorizer whose "
                                  "answer is also an input (saved beside --out)")
    p.add_argument("--not-worse-per-hint", action="store_true",
                   help="with --not-worse: weigh each sample 1 / max(1, its number of hints)")
    p.add_argument("--save-every-rank", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.minutes is None and a.steps is None:
        a.steps = 1000
    return TrainConfig(**vars(a))


def setup_distributed() -> tuple[int, int, torch.device]:
    """(rank, world size, device); initialises DDP when launched by torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if torch.cuda.is_available():
        device = torch.device("cuda", local)
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    if world > 1:
        torch.distributed.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return rank, world, device


def train(cfg: TrainConfig) -> dict:
    """Run the whole training described by ``cfg``; returns the final metrics."""
    from tqdm import tqdm  # imported here: the app imports this module without needing tqdm

    from core.data import (
        PhotoFolder,
        StepBatches,
        chroma_cache_path,
        filter_colourful,
        list_images,
        source_weights,
        split_train_val,
    )

    rank, world, device = setup_distributed()
    if device.type == "cpu" and world == 1 and not os.environ.get("OMP_NUM_THREADS"):
        # all cores, unless the user chose (OMP_NUM_THREADS: a busy or shared machine)
        # On a busy machine, fewer threads than cores avoids OpenMP spin-waiting (--threads 1).
        torch.set_num_threads(cfg.threads or os.cpu_count() or 1)
    torch.manual_seed(cfg.seed)
    out = Path(cfg.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    ckpt_st, ckpt_js = out.with_suffix(".ckpt.safetensors"), out.with_suffix(".ckpt.json")
    log_path = out.with_suffix(".log.jsonl")

    items = list_images(cfg.data)
    items, report = filter_colourful(items, cfg.chroma_threshold, cache=chroma_cache_path())
    train_items, val_items = split_train_val(items, val_per_source=cfg.val_per_source)
    if not train_items:
        raise SystemExit(f"no colour photos found in {cfg.data}")
    weights = source_weights([s for _, s in train_items], cfg.max_share)

    model_cfg = UNetConfig(width=cfg.width, depth=cfg.depth, upsampling=cfg.upsampling,
                           skips=cfg.skips, output=cfg.output, bound=cfg.bound,
                           in_channels=(AUTO_INPUT_CHANNELS if cfg.auto else 1 + HINT_CHANNELS)
                           if cfg.hints else 1)
    torch.manual_seed(cfg.seed)
    model = init_model(model_cfg, cfg.init).to(device)
    train_set = PhotoFolder([p for p, _ in train_items], cfg.size, train=True)
    color_weights = None
    if cfg.rebalance > 0 and cfg.output in ("lab", "ab"):
        sampler0 = StepBatches(weights, 16, seed=cfg.seed + 999)
        prior = ab_prior([torch.stack([train_set[k][1] for k in sampler0.batch(s)])
                          for s in range(12)])
        color_weights = rebalance_weights(prior, cfg.rebalance)
    net = model
    if world > 1:
        net = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None)
    trainer = Trainer(net, lr=cfg.lr, loss=cfg.loss, color_weights=color_weights, device=device)
    trainer.hint_seed, trainer.hint_fill = cfg.seed * 101 + rank, cfg.hint_fill
    trainer.hint_p = cfg.hint_p
    if cfg.hints and cfg.auto:
        from core.weights import load_model

        auto_model, auto_meta = load_model(cfg.auto, device=device)
        if auto_model.config.in_channels != 1:
            raise SystemExit(f"--auto {cfg.auto}: not an automatic (grey-only) colorizer")
        trainer.auto = (auto_model.eval().requires_grad_(False),
                        float(auto_meta.get("chroma_gain", 1.0)))
        trainer.not_worse = cfg.not_worse
        trainer.not_worse_per_hint = cfg.not_worse_per_hint
    elif cfg.not_worse > 0:
        raise SystemExit("--not-worse compares with the automatic answer: give --hints --auto")

    start_step, elapsed0 = 0, 0.0
    if cfg.resume and ckpt_st.is_file():
        trainer.load_state_tensors(load_file(str(ckpt_st), device="cpu"))
        meta = json.loads(ckpt_js.read_text())
        start_step, elapsed0 = meta["step"], meta["elapsed"]
        trainer.steps_done = start_step
    elif log_path.exists() and rank == 0:
        log_path.unlink()

    sampler = StepBatches(weights, cfg.batch, seed=cfg.seed, start_step=start_step, rank=rank)
    loader = torch.utils.data.DataLoader(
        train_set, batch_sampler=sampler, num_workers=cfg.workers,
        persistent_workers=cfg.workers > 0, prefetch_factor=4 if cfg.workers > 0 else None,
        pin_memory=device.type == "cuda")
    val_set = PhotoFolder([p for p, _ in val_items], cfg.size, train=False)
    val_loader = torch.utils.data.DataLoader(val_set, batch_size=64, num_workers=cfg.workers)
    val_cache = list(val_loader) if rank == 0 and len(val_set) else []

    budget_s = cfg.minutes * 60 if cfg.minutes else None
    total = cfg.steps
    info = {"params": count_parameters(model), "device": str(device), "world": world,
            "train_photos": len(train_items), "val_photos": len(val_items), "filter": report,
            "sources": {s: int(n) for s, n in zip(*np.unique([s for _, s in train_items],
                                                             return_counts=True), strict=True)}}
    if rank == 0:
        print(json.dumps(info), file=sys.stderr)

    def log(row: dict) -> None:
        if rank == 0:
            with log_path.open("a") as f:
                f.write(json.dumps(row) + "\n")

    def save_ckpt(step: int, elapsed: float) -> None:
        if rank == 0:
            save_file(trainer.state_tensors(), str(ckpt_st))
            ckpt_js.write_text(json.dumps({"step": step, "elapsed": elapsed,
                                           "config": asdict(cfg)}))

    t0 = time.perf_counter() - elapsed0
    step = start_step
    bar = tqdm(total=total, initial=start_step, disable=rank != 0, dynamic_ncols=True,
               unit="step")
    last_t, last_step, metrics = time.perf_counter(), step, {}
    for gray, lab, rgb in loader:
        elapsed = time.perf_counter() - t0
        progress = max(step / total if total else 0.0, elapsed / budget_s if budget_s else 0.0)
        stop = torch.tensor([float(progress >= 1.0)])
        if world > 1:
            torch.distributed.all_reduce(stop)  # every replica stops at the same step
        if stop.item() > 0:
            break
        lr = lr_at(progress, cfg.lr)
        trainer.set_lr(lr)
        loss = trainer.step(gray, lab, rgb)
        step += 1
        bar.update(1)
        if step % cfg.log_every == 0:
            now = time.perf_counter()
            ips = (step - last_step) * cfg.batch * world / (now - last_t)
            last_t, last_step = now, step
            bar.set_postfix(loss=f"{loss:.4f}", img_s=f"{ips:.0f}")
            log({"step": step, "train_loss": loss, "lr": lr, "img_s": ips,
                 "elapsed": time.perf_counter() - t0})
        if rank == 0 and val_cache and step % cfg.val_every == 0:
            metrics = trainer.evaluate(val_cache)
            log({"step": step, **metrics, "elapsed": time.perf_counter() - t0})
            bar.write(f"step {step}: val {metrics['val_loss']:.4f} "
                      f"(grey {metrics['grey_loss']:.4f})")
        if step % cfg.ckpt_every == 0:
            save_ckpt(step, time.perf_counter() - t0)
    bar.close()
    elapsed = time.perf_counter() - t0
    if world > 1:
        # DDP averages gradients, so parameters agree; BatchNorm running statistics stay
        # local to each replica: give every replica rank 0's (the saved model).
        for buf in model.buffers():
            torch.distributed.broadcast(buf, 0)
    if cfg.save_every_rank and rank > 0:
        save_model(model, out.with_name(f"{out.name}-rank{rank}"), half=cfg.half)
    if rank == 0:
        if val_cache:
            metrics = trainer.evaluate(val_cache)
            log({"step": step, **metrics, "elapsed": elapsed})
        save_ckpt(step, elapsed)
        meta = {"train": {k: v for k, v in asdict(cfg).items() if k != "resume"},
                "steps": step, "minutes": round(elapsed / 60, 2), **info, **metrics,
                **({"hint_fill": cfg.hint_fill} if cfg.hints else {}),
                # the automatic colorizer read beside these weights (core.colorizer)
                **({"hint_auto": Path(cfg.auto).name} if cfg.hints and cfg.auto else {}),
                "torch": torch.__version__, "machine": platform.platform(),
                "command": "python -m core.train " + " ".join(sys.argv[1:])}
        save_model(model, out, metadata=meta, half=cfg.half)
    if world > 1:
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()
    return {"steps": step, "elapsed": elapsed, **metrics}


def main(argv: list[str] | None = None) -> None:
    result = train(parse_args(argv))
    if int(os.environ.get("RANK", "0")) == 0:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
