"""Exports torchvision's MobileNet v2 with random weights (seed 0) at 224x224 RGB, for the explain worker's
capacity bench on a 224-px model: the cost of explaining depends on the architecture, not on the weights, and no
weights are downloaded. Run with /usr/bin/python3 (PyTorch 1.13 CPU), then give it its contract:

  /usr/bin/python3 explain-worker/tools/export_random_mobilenet_v2.py /tmp/mnv2-raw.onnx
  ./glimpse models import --model /tmp/mnv2-raw.onnx --out /tmp/mnv2.onnx --preset imagenet --name mnv2 --version 1
"""
import sys

import torch
import torchvision

out = sys.argv[1] if len(sys.argv) > 1 else "mobilenet_v2-random.onnx"
torch.manual_seed(0)
model = torchvision.models.mobilenet_v2(weights=None).eval()
torch.onnx.export(model, torch.randn(1, 3, 224, 224), out, input_names=["input"], output_names=["logits"],
                  dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13)
print("wrote", out)
