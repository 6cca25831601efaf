#!/usr/bin/python3
"""Dev-time cross-check data for the engine: exports torchvision classifiers with torch.onnx (random weights,
eval mode) and writes PyTorch autograd references next to them:

  <out>/<name>_op<opset>.onnx   the model (input "input" [N,3,H,W], output "logits")
  <out>/<name>_input.npy        a fixed input [2,3,H,W]
  <out>/<name>_grad.npy         d(sum_n logits[n, target_n]) / d input   (target_n = argmax)
  <out>/<name>_guided.npy       the same with guided-backprop ReLUs

Run: /usr/bin/python3 engine/tools/torchvision_reference.py /tmp/glimpse-tv
then: GLIMPSE_TV_DIR=/tmp/glimpse-tv mvn -B -q -o -pl engine test -Dtest=TorchvisionCrossCheckTest
"""
import os
import sys

import numpy as np
import torch
import torchvision

OUT = sys.argv[1] if len(sys.argv) > 1 else "/tmp/glimpse-tv"
os.makedirs(OUT, exist_ok=True)
torch.manual_seed(0)

MODELS = {
    "resnet18": lambda: torchvision.models.resnet18(),
    "vgg11_bn": lambda: torchvision.models.vgg11_bn(),
    "mobilenet_v2": lambda: torchvision.models.mobilenet_v2(),
    "mobilenet_v3_small": lambda: torchvision.models.mobilenet_v3_small(),
    "squeezenet1_0": lambda: torchvision.models.squeezenet1_0(),
    "densenet121": lambda: torchvision.models.densenet121(),
    "shufflenet_v2_x0_5": lambda: torchvision.models.shufflenet_v2_x0_5(),
    "googlenet": lambda: torchvision.models.googlenet(aux_logits=False, init_weights=True),
    "alexnet": lambda: torchvision.models.alexnet(),
    "efficientnet_b0": lambda: torchvision.models.efficientnet_b0(),
}
SIZE = {"alexnet": 224, "vgg11_bn": 224}


class GuidedRelu(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g.clamp(min=0) * (x > 0).float()


class GuidedReluModule(torch.nn.Module):
    def forward(self, x):
        return GuidedRelu.apply(x)


def guided_copy(model):
    import copy
    m = copy.deepcopy(model)
    for name, mod in list(m.named_modules()):
        for child_name, child in list(mod.named_children()):
            if isinstance(child, torch.nn.ReLU):
                setattr(mod, child_name, GuidedReluModule())
    return m


def main():
    only = set(sys.argv[2:])
    for name, make in MODELS.items():
        if only and name not in only:
            continue
        model = make().eval()
        size = SIZE.get(name, 64)
        x = torch.randn(2, 3, size, size)
        for opset in (11, 13, 17):
            torch.onnx.export(model, x, f"{OUT}/{name}_op{opset}.onnx", input_names=["input"], output_names=["logits"],
                              opset_version=opset, dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
                              do_constant_folding=True, training=torch.onnx.TrainingMode.EVAL)
        xi = x.clone().requires_grad_(True)
        logits = model(xi)
        target = logits.argmax(1)
        logits.gather(1, target[:, None]).sum().backward()
        np.save(f"{OUT}/{name}_input.npy", x.numpy())
        np.save(f"{OUT}/{name}_grad.npy", xi.grad.numpy())
        np.save(f"{OUT}/{name}_target.npy", target.numpy())
        xg = x.clone().requires_grad_(True)
        gl = guided_copy(model)(xg)
        gl.gather(1, target[:, None]).sum().backward()
        np.save(f"{OUT}/{name}_guided.npy", xg.grad.numpy())
        print("exported", name)


if __name__ == "__main__":
    main()
