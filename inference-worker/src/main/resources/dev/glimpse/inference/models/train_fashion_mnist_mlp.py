#!/usr/bin/python3
"""Trains the demo's fallback Fashion-MNIST classifier and writes fashion-mnist-mlp.onnx beside this script.

Bundled in the inference-worker jar; used by `./glimpse demo` (and by the inference-worker tests) only when models/fashion-mnist/model.onnx,
made by `./glimpse train`, is absent. A real trained model, not random weights: a 784-128-10 MLP, 3 epochs of
Adam (lr 1e-3, batch 128) on the 60,000 training images of /usr/share/datasets/fashion-mnist, seed 0.
Run once with /usr/bin/python3 (PyTorch 1.13, onnx 1.12); the output is committed.
"""
import gzip
import json
import os

import numpy as np
import onnx
import torch
from torch import nn

DATA = "/usr/share/datasets/fashion-mnist"
LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
here = os.path.dirname(os.path.abspath(__file__))


def idx(name, offset):
    with gzip.open(os.path.join(DATA, name)) as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def load(part):
    x = idx(part + "-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28).astype(np.float32) / 255.0
    y = idx(part + "-labels-idx1-ubyte.gz", 8).astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


torch.manual_seed(0)
xtr, ytr = load("train")
xte, yte = load("t10k")
model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(3):
    perm = torch.randperm(len(xtr))
    for i in range(0, len(xtr), 128):
        b = perm[i:i + 128]
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xtr[b]), ytr[b])
        loss.backward()
        opt.step()
model.eval()
with torch.no_grad():
    accuracy = (model(xte).argmax(1) == yte).float().mean().item()
print("test accuracy", accuracy)

path = os.path.join(here, "fashion-mnist-mlp.onnx")
torch.onnx.export(model, torch.zeros(1, 1, 28, 28), path, input_names=["input"], output_names=["logits"],
                  dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}}, opset_version=13)
m = onnx.load(path)
m.graph.name = "fashion_mnist_mlp"
props = {
    "glimpse.name": "fashion-mnist-mlp",
    "glimpse.version": "1",
    "glimpse.labels": json.dumps(LABELS),
    "glimpse.input.colour": "gray",
    "glimpse.input.size": "28x28",
    "glimpse.input.mean": "[0.0]",
    "glimpse.input.std": "[1.0]",
    "glimpse.training.window": "Fashion-MNIST train split (60,000 images)",
    "glimpse.metrics": json.dumps({"accuracy": round(accuracy, 4)}),
    "glimpse.output.kind": "logits",
}
onnx.helper.set_model_props(m, props)
onnx.checker.check_model(m)
onnx.save(m, path)
