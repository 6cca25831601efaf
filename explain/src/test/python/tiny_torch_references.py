#!/usr/bin/python3
"""Writes the always-on PyTorch cross-check of `mvn verify` (TinyTorchCrossCheckTest): three small seeded models
exported to ONNX with PyTorch reference maps computed by autograd, as test resources (< 1 MB together).

  tiny_vit         torchvision VisionTransformer, image 32, patch 8, 2 blocks, 2 heads, width 32 (opset 13, 3-D
                   attention): Grad-CAM and feature maps on the 4x4 grid of patch tokens at glimpse's default layer
                   (the input of the last block's first norm), attention rollout, saliency, integrated gradients
  tiny_convnext    stem conv + two torchvision ConvNeXt blocks (depthwise 7x7, channels-last LayerNorm, GELU, layer
                   scale) at opset 17 (LayerNormalization nodes): Grad-CAM, feature maps, saliency, IG
  tiny_shufflenet  stem + two torchvision ShuffleNet v2 units (live Shape -> Reshape -> Transpose channel shuffle) at
                   opset 13: Grad-CAM, feature maps, saliency, guided backprop, IG

The references are the formulas of crosscheck_torch.py (imported, not repeated). Re-run after changing a model:

    /usr/bin/python3 explain/src/test/python/tiny_torch_references.py [OUT_DIR]

(default OUT_DIR: explain/src/test/resources/torch-crosscheck). Written: per model model.onnx, input.npy,
<method>.npy (raw arrays as glimpse writes them) and meta.json (target, layer, methods, IG steps, versions).
"""
import json
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torchvision
from torchvision.models.convnext import CNBlock
from torchvision.models.shufflenetv2 import InvertedResidual

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crosscheck_torch as cc  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
IG_STEPS = 8


class TinyConvNext(nn.Module):
    def __init__(self, dim=16, classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, dim, 4, 4)
        self.blocks = nn.Sequential(CNBlock(dim, 1e-6, 0.0), CNBlock(dim, 1e-6, 0.0))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)


def fwd_tiny_convnext(m, x):
    a = m.blocks(m.stem(x))
    return m.head(m.norm(a.mean([2, 3]))), a


class TinyShuffleNet(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 24, 3, 2, 1, bias=False), nn.BatchNorm2d(24), nn.ReLU())
        self.units = nn.Sequential(InvertedResidual(24, 48, 2), InvertedResidual(48, 48, 1))
        self.last = nn.Sequential(nn.Conv2d(48, 64, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU())
        self.fc = nn.Linear(64, classes)


def fwd_tiny_shufflenet(m, x):
    a = m.last(m.units(m.stem(x)))
    return m.fc(a.mean([2, 3])), a


def tiny_vit():
    return torchvision.models.VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=32,
                                                mlp_dim=64, num_classes=10)


# name: (constructor, forward (logits, A), opset, named layer?, token model?, guided reference complete?)
MODELS = {
    "tiny_vit": (tiny_vit, cc.fwd_vit, 13, False, True, False),
    "tiny_convnext": (TinyConvNext, fwd_tiny_convnext, 17, True, False, False),
    "tiny_shufflenet": (TinyShuffleNet, fwd_tiny_shufflenet, 13, True, False, True),
}


def write(name, out_root):
    ctor, fwd, opset, named_layer, tokens, guided = MODELS[name]
    torch.manual_seed(0)
    model = ctor()
    with torch.no_grad():
        cc.randomise_batchnorm(model, torch.Generator().manual_seed(1))
    model.eval()
    cc.swap_relus(model)
    x = torch.randn(1, 3, 32, 32, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        target = int(fwd(model, x)[0].argmax())
    refs, _ = cc.references(model, fwd, x, target, tokens)
    if not guided:
        refs.pop("guided", None)
    refs["integrated-gradients"] = cc.integrated_gradients(model, fwd, x, target, IG_STEPS)
    d = os.path.join(out_root, name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "model.onnx")
    if named_layer:
        torch.onnx.export(cc.WrappedWithLayer(model, fwd), x, path, opset_version=opset, input_names=["input"],
                          output_names=["logits", "layer"])
        exported = onnx.load(path)
        exported.graph.output.remove([o for o in exported.graph.output if o.name == "layer"][0])
        onnx.save(exported, path)
    else:
        torch.onnx.export(cc.Wrapped(model, fwd), x, path, opset_version=opset, input_names=["input"],
                          output_names=["logits"])
    np.save(os.path.join(d, "input.npy"), x.numpy().astype(np.float32))
    for method, ref in refs.items():
        np.save(os.path.join(d, method + ".npy"), np.asarray(ref, dtype=np.float32))
    ops = sorted({n.op_type for n in onnx.load(path).graph.node})
    meta = {"target": target, "layer": "layer" if named_layer else None, "methods": sorted(refs),
            "integratedGradientsSteps": IG_STEPS, "opset": opset, "operators": ops,
            "torch": torch.__version__, "torchvision": torchvision.__version__}
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(name, "target", target, "methods", sorted(refs), "opset", opset)


def main():
    out_root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "explain/src/test/resources/torch-crosscheck")
    for name in MODELS:
        write(name, out_root)
    total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(out_root) for f in fs)
    print(f"{out_root}: {total / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
