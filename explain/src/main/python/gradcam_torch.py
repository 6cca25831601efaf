#!/usr/bin/python3
"""PyTorch Grad-CAM timing for `./glimpse bench explain --torch-arch A` (dev tooling).

Builds torchvision model A with seeded random weights (the same weights for the same --seed), optionally exports it
to ONNX (--export PATH, opset 13, batch 1) for Glimpse to load, and times Grad-CAM on one seeded input:
  first_ms   (first_cpu_ms: its CPU time, all threads) the first Grad-CAM call on the freshly built model (forward with a hook, backward of the top-1 logit,
             alpha = spatial mean of the gradient, ReLU(sum alpha A)) - what a server pays for its first request
  median_ms  the median of --repeats further calls
The layer is the last 4-D output with spatial size > 1 of a leaf module in execution order (Glimpse's default).
Prints one JSON line.

Usage: /usr/bin/python3 explain/src/main/python/gradcam_torch.py --arch resnet18 [--size 224] [--seed 0]
       [--export model.onnx] [--repeats 5] [--threads N]
"""
import argparse
import json
import time

import torch
import torchvision


def build(arch, seed):
    torch.manual_seed(seed)
    model = getattr(torchvision.models, arch)(weights=None)
    return model.eval()


def gradcam(model, x):
    captured = []

    def hook(_module, _inputs, output):
        if torch.is_tensor(output) and output.dim() == 4 and output.shape[2] * output.shape[3] > 1:
            output.retain_grad()
            captured.append(output)

    handles = [m.register_forward_hook(hook) for m in model.modules() if len(list(m.children())) == 0]
    try:
        logits = model(x)
        a = captured[-1]
        logits[0, int(logits.argmax())].backward()
        alpha = a.grad.mean(dim=(2, 3), keepdim=True)
        return torch.relu((alpha * a).sum(1))[0].detach()
    finally:
        for h in handles:
            h.remove()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--arch", required=True)
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--export")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--threads", type=int, default=0)
    args = p.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    model = build(args.arch, args.seed)
    x = torch.randn(1, 3, args.size, args.size, generator=torch.Generator().manual_seed(args.seed + 1))
    if args.export:
        torch.onnx.export(model, x, args.export, opset_version=13, input_names=["input"], output_names=["logits"])
    start = time.perf_counter()
    cpu = time.process_time()
    cam = gradcam(model, x.clone().requires_grad_(False))
    first = (time.perf_counter() - start) * 1000
    first_cpu = (time.process_time() - cpu) * 1000
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        gradcam(model, x)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(json.dumps({"arch": args.arch, "first_ms": first, "first_cpu_ms": first_cpu, "median_ms": times[len(times) // 2] if times else first,
                      "map_shape": list(cam.shape), "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
