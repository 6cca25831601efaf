#!/usr/bin/python3
"""PyTorch / numpy references for AblationCAM, EigenGradCAM, FullGrad and ROAD (run by TorchReferenceMethodsTest).

Usage: /usr/bin/python3 explain/src/test/python/cam_methods_reference.py OUT_DIR

Builds a small seeded CNN with a skip connection that bypasses the first Grad-CAM layer
    x[1,3,12,12] -> conv1(bias) -> bn1 (random statistics) -> relu = L1
    relu(conv2(L1) (bias) + skip(x) (1x1, no bias)) = L2 -> global average pool -> fc -> logits[5]
exports it to OUT_DIR/model.onnx (opset 11, BatchNormalization kept), and writes, for the top-1 class c:
  ablationcam_L1.npy, ablationcam_L2.npy  ReLU(sum_k w_k A_k), w_k = (y_c - y_c^(k)) / y_c with channel k zeroed
                                          and the rest of the network re-run (autograd not involved)
  eigengradcam_L2.npy                     first principal component of G*A over positions (centred, numpy SVD),
                                          sign agreeing with sum_k G_k*A_k, ReLU
  fullgrad.npy                            psi(x * dy/dx) summed over channels + sum over conv1+bn1 (folded by the
                                          export), conv2 of the
                                          channel sum of up(psi(dy/dz * b)), psi = abs then (t-min)/(max-min+1e-6)
                                          over the whole [C,h,w], up = bilinear align_corners=True
  road_map.npy, road_morf.npy, road_lerf.npy, road_morf_images.npy, road_lerf_images.npy
                                          ROAD at percentiles 20,50,80 with noise 0: removed pixels imputed by the
                                          8-neighbour linear system (dense numpy solve), target probabilities
  input.npy, meta.json                    the input, target and the ONNX names of L1 and L2
"""
import json
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 6, 3, padding=1)
        self.skip = nn.Conv2d(3, 6, 1, bias=False)
        self.fc = nn.Linear(6, 5)

    def parts(self, x):
        z1 = self.conv1(x)
        b1 = self.bn1(z1)
        l1 = F.relu(b1)
        z2 = self.conv2(l1)
        l2 = F.relu(z2 + self.skip(x))
        return z1, b1, l1, z2, l2

    def tail_from_l1(self, l1, x):
        return self.tail_from_l2(F.relu(self.conv2(l1) + self.skip(x)))

    def tail_from_l2(self, l2):
        return self.fc(F.adaptive_avg_pool2d(l2, 1).flatten(1))

    def forward(self, x):
        return self.tail_from_l2(self.parts(x)[-1])


def ablation(activation, y, tail):
    c = activation.shape[1]
    weights = np.zeros(c)
    with torch.no_grad():
        for k in range(c):
            a = activation.clone()
            a[:, k] = 0
            weights[k] = (y - tail(a).item()) / y
    a = activation[0].detach().numpy().astype(np.float64)
    return np.maximum(0, np.tensordot(weights, a, axes=1)).astype(np.float32)


def eigen(product):
    c, h, w = product.shape
    m = product.reshape(c, -1).T.astype(np.float64)
    centred = m - m.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    p = centred @ vt[0]
    if np.sum(p * m.sum(axis=1)) < 0:
        p = -p
    return np.maximum(0, p).reshape(h, w).astype(np.float32)


def psi(t):
    t = np.abs(t.astype(np.float64))
    t = t - t.min()
    return t / (t.max() + 1e-6)


NEIGHBOURS = [((1, 1), 1 / 12), ((0, 1), 1 / 6), ((-1, 1), 1 / 12), ((1, -1), 1 / 12), ((0, -1), 1 / 6),
              ((-1, -1), 1 / 12), ((1, 0), 1 / 6), ((-1, 0), 1 / 6)]


def impute(img, removed):
    """Linear imputation, dense: each removed pixel = weighted mean of its in-image neighbours."""
    c, h, w = img.shape
    idx = [p for p in range(h * w) if removed[p]]
    var = {p: i for i, p in enumerate(idx)}
    a = np.zeros((len(idx), len(idx)))
    b = np.zeros((len(idx), c))
    for i, p in enumerate(idx):
        y, x = divmod(p, w)
        for (dy, dx), wt in NEIGHBOURS:
            yy, xx = y + dy, x + dx
            if 0 <= yy < h and 0 <= xx < w:
                a[i, i] += wt
                q = yy * w + xx
                if removed[q]:
                    a[i, var[q]] -= wt
                else:
                    b[i] += wt * img[:, yy, xx]
    out = img.astype(np.float64).copy().reshape(c, -1)
    if idx:
        out[:, idx] = np.linalg.solve(a, b).T
    return out.reshape(c, h, w).astype(np.float32)


def main(out):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(7)
    net = Net()
    with torch.no_grad():
        net.bn1.running_mean.uniform_(-0.5, 0.5)
        net.bn1.running_var.uniform_(0.5, 2.0)
        net.bn1.weight.uniform_(0.5, 1.5)
        net.bn1.bias.uniform_(-0.5, 0.5)
        net.fc.bias.add_(2.0)  # keep the target logit away from 0: AblationCAM divides by it
    net.eval()
    x = torch.randn(1, 3, 12, 12)
    path = os.path.join(out, "model.onnx")
    torch.onnx.export(net, x, path, opset_version=11, input_names=["input"], output_names=["logits"],
                      do_constant_folding=False)
    relus = [n.output[0] for n in onnx.load(path).graph.node if n.op_type == "Relu"]

    z1, b1, l1, z2, l2 = net.parts(x.requires_grad_(True))
    for t in (z1, b1, l1, z2, l2):
        t.retain_grad()
    logits = net.tail_from_l2(l2)
    target = int(logits.argmax())
    y = logits[0, target]
    y.backward()
    yv = y.item()
    np.save(os.path.join(out, "input.npy"), x.detach().numpy())

    np.save(os.path.join(out, "ablationcam_L1.npy"),
            ablation(l1.detach(), yv, lambda a: net.tail_from_l1(a, x.detach())[0, target]))
    np.save(os.path.join(out, "ablationcam_L2.npy"), ablation(l2.detach(), yv, lambda a: net.tail_from_l2(a)[0, target]))
    np.save(os.path.join(out, "eigengradcam_L2.npy"), eigen((l2.grad * l2).detach().numpy()[0]))

    # torch.onnx folds bn1 into conv1 in eval mode, so the exported graph has two layers with a bias: the folded
    # conv1 (whose output is bn1's, with bias beta + gamma (b - mean) / sqrt(var + eps)) and conv2
    bn = net.bn1
    folded = (bn.bias + bn.weight * (net.conv1.bias - bn.running_mean) / torch.sqrt(bn.running_var + bn.eps)).detach()
    full = psi((x.grad * x).detach().numpy()[0]).sum(axis=0)
    for z, bias in ((b1, folded), (z2, net.conv2.bias.detach())):
        t = torch.tensor(psi((z.grad * bias[None, :, None, None]).numpy()))
        full = full + F.interpolate(t, size=(12, 12), mode="bilinear", align_corners=True).sum(1)[0].numpy()
    np.save(os.path.join(out, "fullgrad.npy"), full.astype(np.float32))

    rng = np.random.default_rng(3)
    road_map = rng.random((12, 12)).astype(np.float32)
    order = np.argsort(-road_map.reshape(-1), kind="stable")
    img = x.detach().numpy()[0]
    curves = {}
    for name, most in (("morf", True), ("lerf", False)):
        images = []
        for p in (20, 50, 80):
            n = int(round(p / 100 * 144))
            removed = np.zeros(144, dtype=bool)
            removed[order[:n] if most else order[::-1][:n]] = True
            images.append(impute(img, removed))
        images = np.stack(images)
        with torch.no_grad():
            probs = torch.softmax(net(torch.tensor(images)), dim=1)[:, target].numpy()
        np.save(os.path.join(out, "road_%s_images.npy" % name), images)
        curves[name] = probs.astype(np.float32)
        np.save(os.path.join(out, "road_%s.npy" % name), curves[name])
    np.save(os.path.join(out, "road_map.npy"), road_map)
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump({"target": target, "L1": relus[0], "L2": relus[1], "targetLogit": yv}, f)


if __name__ == "__main__":
    main(sys.argv[1])
