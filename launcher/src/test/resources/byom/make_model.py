#!/usr/bin/python3
"""A small torchvision classifier exported as a user would, for the `models import` / `preprocess` tests.

mobilenet_v2(width_mult=0.1, num_classes=10) at random init (seeded), exported with torch.onnx at opset 13 with a
dynamic batch axis and NO Glimpse metadata: what `./glimpse models import` exists for. Also writes labels.txt.

Run from the repository root with Debian's python3-torch / python3-torchvision (PyTorch 1.13, torchvision 0.14):
    /usr/bin/python3 launcher/src/test/resources/byom/make_model.py
"""
import os

import torch
import torchvision

OUT = os.path.dirname(os.path.abspath(__file__))

torch.manual_seed(14)
model = torchvision.models.mobilenet_v2(width_mult=0.1, num_classes=10).eval()
x = torch.randn(1, 3, 224, 224)
torch.onnx.export(model, x, os.path.join(OUT, "mobilenet_v2_w010_raw.onnx"), opset_version=13,
                  input_names=["input"], output_names=["logits"],
                  dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
with open(os.path.join(OUT, "labels.txt"), "w") as f:
    f.write("\n".join(["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]) + "\n")
print("wrote", os.path.join(OUT, "mobilenet_v2_w010_raw.onnx"))
