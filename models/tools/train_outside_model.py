#!/usr/bin/python3
"""Trains the model that models/scenes-outside/ ships: a torchvision network trained OUTSIDE Glimpse, in PyTorch,
as a user would, then exported to ONNX. Glimpse gives it its contract (./glimpse models import) and fine-tunes it
from feedback in ./glimpse demo --feedback. Exact commands and provenance: models/README.md.

    ./glimpse dataset export --dataset scenes --split train --limit 8000 --out /tmp/scenes/train
    ./glimpse dataset export --dataset scenes --split test --limit 1000 --out /tmp/scenes/test
    /usr/bin/python3 models/tools/train_outside_model.py --train /tmp/scenes/train --test /tmp/scenes/test \
        --classes circle,square,triangle,cross,ring --known circle,square,triangle --epochs 16 --out /tmp/scenes-outside-raw.onnx

The images are the PNG files of Glimpse's own scenes generator (the Java code is the source of truth; PNG is
lossless, so these are the pixels the demo replays). The network learns only the --known classes (their images;
the other class folders are not read) but has one output per class of --classes, in the dataset's order (the
order of the labels the replay sends). The outputs of the unknown classes are never trained towards, so
the model never predicts them: the feedback loop has something to teach.

A width-reduced ResNet built from torchvision's own BasicBlock (torchvision.models.resnet.ResNet with one block per
stage), channels 16-32-64-128 instead of 64-128-256-512, stem conv 3x3 stride 2 without max pooling (64 px
inputs), global average pooling, fc; random initialisation (seed 0, no downloaded weights). 64x64 RGB scaled to
[0, 1] and normalised with ImageNet mean/std; Adam 3e-3 with cosine decay, batch 64, --epochs epochs, random
horizontal flips. Exported in eval mode with TrainingMode.PRESERVE (every
BatchNormalization node kept, Dropout dropped), opset 13, dynamic batch, no Glimpse metadata: that is the import's job.
"""
import argparse
import os
import time

import numpy as np
import torch
import torchvision
from PIL import Image

MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def load(folder, classes, keep):
    """Images of the class folders in `keep` as a normalised float tensor, labels indexing `classes`."""
    xs, ys = [], []
    for label, name in enumerate(classes):
        if name not in keep:
            continue
        d = os.path.join(folder, name)
        for f in sorted(os.listdir(d)):
            with Image.open(os.path.join(d, f)) as im:
                xs.append(np.asarray(im.convert("RGB"), dtype=np.float32) / 255.0)
            ys.append(label)
    x = torch.from_numpy(np.stack(xs)).permute(0, 3, 1, 2)
    return (x - MEAN) / STD, torch.tensor(ys)


class SmallResNet(torchvision.models.resnet.ResNet):
    """torchvision's ResNet with BasicBlocks [1, 1, 1, 1] at a quarter of the width, for 64 px inputs."""

    def __init__(self, num_classes):
        super().__init__(torchvision.models.resnet.BasicBlock, [1, 1, 1, 1], num_classes=num_classes)
        self.inplanes = 16
        self.conv1 = torch.nn.Conv2d(3, 16, kernel_size=3, stride=2, padding=1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(16)
        self.maxpool = torch.nn.Identity()
        block = torchvision.models.resnet.BasicBlock
        self.layer1 = self._make_layer(block, 16, 1)
        self.layer2 = self._make_layer(block, 32, 1, stride=2)
        self.layer3 = self._make_layer(block, 64, 1, stride=2)
        self.layer4 = self._make_layer(block, 128, 1, stride=2)
        self.fc = torch.nn.Linear(128, num_classes)
        for m in self.modules():
            if isinstance(m, torch.nn.Conv2d):
                torch.nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")


def small_resnet(num_classes):
    return SmallResNet(num_classes)


def accuracy(net, x, y):
    net.eval()
    with torch.no_grad():
        pred = torch.cat([net(x[i:i + 256]).argmax(1) for i in range(0, len(x), 256)])
    return (pred == y).float().mean().item(), pred


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--train", required=True)
    p.add_argument("--test", required=True)
    p.add_argument("--classes", required=True, help="comma-separated class folders in output order")
    p.add_argument("--known", required=True, help="comma-separated class folders to learn")
    p.add_argument("--epochs", type=int, default=16)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(2)
    classes = a.classes.split(",")
    known = a.known.split(",")
    x, y = load(a.train, classes, known)
    xt_known, yt_known = load(a.test, classes, known)
    xt_all, yt_all = load(a.test, classes, classes)
    print("classes (output order) %s; learning %s from %d images" % (classes, known, len(x)))

    net = small_resnet(len(classes))
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, a.epochs * ((len(x) + 63) // 64))
    g = torch.Generator().manual_seed(1)
    start = time.time()
    for epoch in range(a.epochs):
        net.train()
        order = torch.randperm(len(x), generator=g)
        total = 0.0
        for i in range(0, len(x), 64):
            idx = order[i:i + 64]
            xb = x[idx]
            flip = torch.rand(len(idx), generator=g) < 0.5
            xb = torch.where(flip.view(-1, 1, 1, 1), xb.flip(3), xb)
            loss = torch.nn.functional.cross_entropy(net(xb), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        acc, _ = accuracy(net, xt_known, yt_known)
        print("epoch %d: loss %.4f, test accuracy on the known classes %.4f (%.0f s)"
              % (epoch + 1, total / len(x), acc, time.time() - start))
    acc_all, pred = accuracy(net, xt_all, yt_all)
    print("test accuracy on all %d classes: %.4f (%d images); predicted classes %s"
          % (len(classes), acc_all, len(yt_all), sorted(set(pred.tolist()))))

    net.eval()
    torch.onnx.export(net, torch.randn(1, 3, 64, 64), a.out, opset_version=13, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=True)
    import onnx
    model = onnx.load(a.out)
    onnx.checker.check_model(model)
    bn = sum(1 for n in model.graph.node if n.op_type == "BatchNormalization")
    params = sum(q.numel() for q in net.parameters())
    print("wrote %s: %d bytes, %d parameters, %d BatchNormalization nodes, torch %s, torchvision %s"
          % (a.out, os.path.getsize(a.out), params, bn, torch.__version__, torchvision.__version__))


if __name__ == "__main__":
    main()
