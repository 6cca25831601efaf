#!/usr/bin/python3
"""Writes the torchvision network that the fine-tuning tests start from, exported as a user would export it.

Command (run from the repository root, with Debian's python3-torch / python3-torchvision / python3-onnx):

    /usr/bin/python3 training/src/test/python/export_test_classifier.py \
        training/src/test/resources/models/mobilenet_v3_small_w025_64px.onnx

torchvision.models.mobilenet_v3_small(width_mult=0.25, num_classes=10), random initialisation (seed 0, no
downloaded weights), at 64x64 RGB, then trained briefly here (Adam, 300 steps of 32) on rendered images: class c =
a filled rectangle of hue c/10 at a random place and size on a noisy background. A freshly initialised network
would not do: its pooled features are nearly the same for every image (their spread across images is 1e-3 of their
size), so no head could learn from them; trained features, real BatchNormalization running statistics. The
fine-tuning tests then learn a related task (warm vs cool images) with a new head. Exported in eval mode with TrainingMode.PRESERVE so that torch.onnx keeps every BatchNormalization node
(TrainingMode.EVAL would fold them into the convolutions) and drops Dropout, opset 13, constant folding on.

The Glimpse preprocessing contract is written at export time into metadata_props, the way docs/model-contract.md
shows for users who export their own models: labels, rgb, 64x64, ImageNet mean/std.
"""
import json
import sys

import onnx
import torch
import torchvision


MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def rendered_batch(n, generator):
    """Images in [0, 1] with a rectangle of hue label/10 on grey noise, and the labels."""
    labels = torch.randint(0, 10, (n,), generator=generator)
    x = 0.35 + 0.3 * torch.rand(n, 3, 64, 64, generator=generator)
    for i in range(n):
        h = labels[i].item() / 10.0
        rgb = torch.tensor([abs(h * 6 - 3) - 1, 2 - abs(h * 6 - 2), 2 - abs(h * 6 - 4)]).clamp(0, 1)
        w, hh = [int(v) for v in torch.randint(16, 48, (2,), generator=generator)]
        x0, y0 = [int(v) for v in torch.randint(0, 64 - 16, (2,), generator=generator)]
        x[i, :, y0:y0 + hh, x0:x0 + w] = rgb.view(3, 1, 1)
    return (x - MEAN) / STD, labels


def main(out):
    torch.manual_seed(0)
    net = torchvision.models.mobilenet_v3_small(width_mult=0.25, num_classes=10)
    generator = torch.Generator().manual_seed(1)
    optimizer = torch.optim.Adam(net.parameters(), lr=3e-3)
    net.train()
    for step in range(300):
        x, y = rendered_batch(32, generator)
        loss = torch.nn.functional.cross_entropy(net(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    net.eval()
    with torch.no_grad():
        x, y = rendered_batch(256, generator)
        accuracy = (net(x).argmax(1) == y).float().mean().item()
    print("rendered-hue accuracy after training: %.3f (last loss %.3f)" % (accuracy, loss.item()))
    x = torch.randn(1, 3, 64, 64)
    torch.onnx.export(net, x, out, opset_version=13, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=True)
    model = onnx.load(out)
    props = {
        "glimpse.name": "mobilenet-v3-small-w025",
        "glimpse.version": "1",
        "glimpse.labels": json.dumps(["class%d" % i for i in range(10)]),
        "glimpse.input.colour": "rgb",
        "glimpse.input.size": "64x64",
        "glimpse.input.mean": json.dumps([0.485, 0.456, 0.406]),
        "glimpse.input.std": json.dumps([0.229, 0.224, 0.225]),
        "glimpse.output.kind": "logits",
    }
    for k, v in props.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = k, v
    onnx.checker.check_model(model)
    onnx.save(model, out)
    ops = sorted({n.op_type for n in model.graph.node})
    bn = sum(1 for n in model.graph.node if n.op_type == "BatchNormalization")
    params = sum(p.numel() for p in net.parameters())
    print("wrote %s: %d parameters, %d BatchNormalization nodes, ops %s" % (out, params, bn, ",".join(ops)))


if __name__ == "__main__":
    main(sys.argv[1])
