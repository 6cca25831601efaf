#!/usr/bin/python3
"""Exports a torchvision classifier at 224x224 RGB with RANDOM weights (seed 0, nothing downloaded) for
./glimpse bench pipeline on a realistic model size; the file is ~14 MB (mobilenet_v2) or ~45 MB (resnet18),
so it is written to a temporary path, not shipped:

    /usr/bin/python3 models/tools/export_random_224.py --arch mobilenet_v2 --out /tmp/mnv2-raw.onnx
    ./glimpse models import --model /tmp/mnv2-raw.onnx --preset imagenet --out /tmp/mnv2.onnx
    ./glimpse bench pipeline --model /tmp/mnv2.onnx --image-size 224

Exported in eval mode (BatchNormalization folded by the exporter's default), opset 13, dynamic batch, 1000 outputs.
"""
import argparse

import torch
import torchvision


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--arch", default="mobilenet_v2", choices=["mobilenet_v2", "resnet18"])
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    torch.manual_seed(0)
    model = getattr(torchvision.models, args.arch)(weights=None).eval()
    dummy = torch.randn(1, 3, 224, 224)
    torch.onnx.export(model, dummy, args.out, input_names=["input"], output_names=["logits"], opset_version=13,
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    print(f"{args.arch} with random weights -> {args.out}")


if __name__ == "__main__":
    main()
