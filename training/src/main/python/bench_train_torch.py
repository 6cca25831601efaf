#!/usr/bin/python3
"""PyTorch reference for `./glimpse bench train`: the seed CNN trained with Adam at the same batch size.

Prints one line `examples_per_second=<float>` (plus a human-readable line on stderr). Data is random normal
input with random labels, like the Java side, so only the arithmetic is compared. Run with the system Python
that has torch 1.13: /usr/bin/python3 bench_train_torch.py --batch 64 --steps 200 --threads 2
"""
import argparse
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class SeedCnn(nn.Module):
    """conv 10@3x3 -> maxpool 2 -> relu -> conv 20@3x3 -> maxpool 2 -> relu -> fc 100 -> relu -> dropout 0.4 -> fc 10"""

    def __init__(self, channels=1, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 10, 3)
        self.conv2 = nn.Conv2d(10, 20, 3)
        self.fc1 = nn.Linear(20 * 5 * 5, 100)
        self.dropout = nn.Dropout(0.4)
        self.fc2 = nn.Linear(100, classes)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2(x), 2))
        x = torch.flatten(x, 1)
        x = self.dropout(F.relu(self.fc1(x)))
        return self.fc2(x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--lr", type=float, default=1e-3)
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = SeedCnn()
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    x = torch.randn(a.batch, 1, 28, 28)
    y = torch.randint(0, 10, (a.batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    for _ in range(a.warmup):
        step()
    start = time.perf_counter()
    for _ in range(a.steps):
        step()
    seconds = time.perf_counter() - start
    eps = a.steps * a.batch / seconds
    print(f"pytorch {torch.__version__}: {a.steps} steps of batch {a.batch} in {seconds:.3f} s, "
          f"{torch.get_num_threads()} threads", file=sys.stderr)
    print(f"examples_per_second={eps:.1f}")


if __name__ == "__main__":
    main()
