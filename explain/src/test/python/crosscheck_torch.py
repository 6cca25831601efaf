#!/usr/bin/python3
"""Cross-check of `glimpse explain` against PyTorch autograd (dev tooling; CI does not run it).

For torchvision classifiers with random, seeded weights (BatchNorm statistics randomised too, so that BN is not an
identity) exported with torch.onnx at opset 11 (BatchNormalization left unfused) and opset 13 (folded), it runs

    glimpse explain --model M.onnx --input x.npy --method gradcam,saliency,guided,featuremaps --out DIR

and compares every raw .npy with the same quantity computed by PyTorch autograd on the same model and input:
  featuremaps  = activation A of the layer glimpse chose (the last 4-D activation with spatial size > 1)
  gradcam      = ReLU(sum_k mean_ij(d y_c / d A^k_ij) A^k), y_c the pre-softmax logit of the top-1 class
  saliency     = d y_c / d x
  guided       = d y_c / d x with guided-backprop ReLUs (gradient passed only where the forward input > 0 and the
                 incoming gradient > 0; for ReLU6 additionally where the input < 6)
  integrated-gradients = x ⊙ mean_i d y_c / d x at the midpoints (i + 1/2)/m · x, i < m (baseline 0, m = --ig-steps)
Pass = cosine similarity >= 0.999 for every array. Prints a table; exit status 1 when anything fails.

Usage: /usr/bin/python3 explain/src/test/python/crosscheck_torch.py [--glimpse CMD] [--models a,b] [--opsets 11,13]
(needs python3-torch and python3-torchvision; the default glimpse command is `java -jar launcher/target/glimpse.jar`
when that jar exists, else ./glimpse).
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))


class GuidedRelu(torch.autograd.Function):
    """ReLU (or ReLU6 when upper is set) whose backward passes only positive gradients where the input was active."""

    @staticmethod
    def forward(ctx, x, upper):
        ctx.save_for_backward(x)
        ctx.upper = upper
        return x.clamp(min=0) if upper is None else x.clamp(0, upper)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        active = x > 0
        if ctx.upper is not None:
            active = active & (x < ctx.upper)
        return g.clamp(min=0) * active.to(g.dtype), None


class Act(nn.Module):
    """Drop-in for nn.ReLU / nn.ReLU6 that switches between the true and the guided backward."""

    guided = False

    def __init__(self, upper=None):
        super().__init__()
        self.upper = upper

    def forward(self, x):
        if Act.guided:
            return GuidedRelu.apply(x, self.upper)
        return F.relu(x) if self.upper is None else F.relu6(x)


def act(x):
    return GuidedRelu.apply(x, None) if Act.guided else F.relu(x)


def swap_relus(module):
    for name, child in module.named_children():
        if isinstance(child, nn.ReLU6):
            setattr(module, name, Act(6.0))
        elif isinstance(child, nn.ReLU):
            setattr(module, name, Act())
        else:
            swap_relus(child)


def randomise_batchnorm(model, gen):
    """BatchNorm statistics and affine, LayerNorm affine and ConvNeXt's layer scale (1e-6 at init, which would make
    every residual branch invisible) set to seeded random values."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            n = m.num_features
            m.running_mean.copy_(torch.randn(n, generator=gen) * 0.1)
            m.running_var.copy_(torch.rand(n, generator=gen) + 0.5)
            m.weight.data.copy_(torch.rand(n, generator=gen) + 0.5)
            m.bias.data.copy_(torch.randn(n, generator=gen) * 0.1)
        elif isinstance(m, nn.Linear) and not m.weight.detach().any():
            # torchvision's ViT head starts at zero: every gradient would be zero
            m.weight.data.copy_(torch.randn(m.weight.shape, generator=gen) * 0.2)
        elif isinstance(m, nn.LayerNorm) and m.elementwise_affine:
            m.weight.data.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
            m.bias.data.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
    for name, p in model.named_parameters():
        if name.endswith("layer_scale"):
            p.data.copy_(torch.rand(p.shape, generator=gen) * 0.5 + 0.25)


# each returns (logits, A) where A is the activation glimpse's default layer corresponds to
def fwd_resnet(m, x):
    x = m.maxpool(m.relu(m.bn1(m.conv1(x))))
    a = m.layer4(m.layer3(m.layer2(m.layer1(x))))
    return m.fc(torch.flatten(m.avgpool(a), 1)), a


def fwd_vgg(m, x):
    a = m.avgpool(m.features(x))
    return m.classifier(torch.flatten(a, 1)), a


def fwd_mobilenet(m, x):
    a = m.features(x)
    return m.classifier(torch.flatten(F.adaptive_avg_pool2d(a, (1, 1)), 1)), a


def fwd_squeezenet(m, x):
    a = m.classifier[2](m.classifier[1](m.classifier[0](m.features(x))))
    return torch.flatten(m.classifier[3](a), 1), a


def fwd_densenet(m, x):
    a = act(m.features(x))
    return m.classifier(torch.flatten(F.adaptive_avg_pool2d(a, (1, 1)), 1)), a


def fwd_shufflenet(m, x):
    a = m.conv5(m.stage4(m.stage3(m.stage2(m.maxpool(m.conv1(x))))))
    return m.fc(a.mean([2, 3])), a


def fwd_convnext(m, x):
    a = m.features(x)
    return m.classifier(m.avgpool(a)), a


def fwd_pooled_classifier(m, x):
    """EfficientNet, MobileNet v3: features → avgpool → flatten → classifier."""
    a = m.features(x)
    return m.classifier(torch.flatten(m.avgpool(a), 1)), a


def fwd_regnet(m, x):
    a = m.trunk_output(m.stem(x))
    return m.fc(torch.flatten(m.avgpool(a), 1)), a


def fwd_googlenet(m, x):
    x = m.maxpool2(m.conv3(m.conv2(m.maxpool1(m.conv1(x)))))
    x = m.maxpool3(m.inception3b(m.inception3a(x)))
    x = m.inception4e(m.inception4d(m.inception4c(m.inception4b(m.inception4a(x)))))
    a = m.inception5b(m.inception5a(m.maxpool4(x)))
    return m.fc(m.dropout(torch.flatten(m.avgpool(a), 1))), a


def fwd_vit(m, x):
    """torchvision VisionTransformer; A = the input of the last block's first norm (glimpse's default for a
    class-token head), attention probabilities recomputed from each block's nn.MultiheadAttention weights."""
    x = m._process_input(x)
    x = torch.cat([m.class_token.expand(x.shape[0], -1, -1), x], dim=1) + m.encoder.pos_embedding
    attention, a = [], None
    for i, block in enumerate(m.encoder.layers):
        if i == len(m.encoder.layers) - 1:
            a = x
        attention.append(mha_probabilities(block.self_attention, block.ln_1(x)))
        x = block(x)
    fwd_vit.attention = attention
    return m.heads(m.encoder.ln(x)[:, 0]), a


def mha_probabilities(mha, y):
    q, k, _ = F.linear(y, mha.in_proj_weight, mha.in_proj_bias).chunk(3, dim=-1)
    n, t, d = q.shape
    h = mha.num_heads
    q = q.reshape(n, t, h, d // h).transpose(1, 2)
    k = k.reshape(n, t, h, d // h).transpose(1, 2)
    return torch.softmax(q @ k.transpose(-2, -1) / (d // h) ** 0.5, dim=-1)


class TinyVit4d(nn.Module):
    """A ViT written out so that its attention probabilities are a 4-D [N, heads, T, T] Softmax in the graph (as
    newer exporters write them): patch 8 on 64x64, 4 blocks, 4 heads, width 64, class-token head."""

    def __init__(self, dim=64, heads=4, blocks=4, classes=10):
        super().__init__()
        self.heads = heads
        self.patch = nn.Conv2d(3, dim, 8, 8)
        self.cls = nn.Parameter(torch.randn(1, 1, dim) * 0.5)
        self.pos = nn.Parameter(torch.randn(1, 65, dim) * 0.5)
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(ln1=nn.LayerNorm(dim), qkv=nn.Linear(dim, 3 * dim),
                                                        proj=nn.Linear(dim, dim), ln2=nn.LayerNorm(dim),
                                                        fc1=nn.Linear(dim, 2 * dim), fc2=nn.Linear(2 * dim, dim)))
                                    for _ in range(blocks))
        self.ln = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)


def fwd_vit4d(m, x):
    x = m.patch(x).flatten(2).transpose(1, 2)
    x = torch.cat([m.cls.expand(x.shape[0], -1, -1), x], dim=1) + m.pos
    attention, a = [], None
    for i, b in enumerate(m.blocks):
        if i == len(m.blocks) - 1:
            a = x
        n, t, d = x.shape
        q, k, v = b["qkv"](b["ln1"](x)).reshape(n, t, 3, m.heads, d // m.heads).permute(2, 0, 3, 1, 4)
        p = torch.softmax(q @ k.transpose(-2, -1) / (d // m.heads) ** 0.5, dim=-1)
        attention.append(p)
        x = x + b["proj"]((p @ v).transpose(1, 2).reshape(n, t, d))
        x = x + b["fc2"](F.gelu(b["fc1"](b["ln2"](x))))
    fwd_vit4d.attention = attention
    return m.head(m.ln(x)[:, 0]), a


def fwd_swin(m, x):
    """torchvision SwinTransformer; A = the last stage's channels-last output [1, h, w, C] (features), which the head
    normalises, permutes to channels-first and pools."""
    a = m.features(x)
    return m.head(m.flatten(m.avgpool(m.permute(m.norm(a))))), a


def rollout(attention):
    """Abnar and Zuidema: per block mean over heads + I, rows renormalised, R = A_L ... A_1; class-token row over
    the grid tokens."""
    r = None
    for p in attention:
        a = p[0].mean(0) + torch.eye(p.shape[-1])
        a = a / a.sum(-1, keepdim=True)
        r = a if r is None else a @ r
    side = int(round((r.shape[0] - 1) ** 0.5))
    return r[0, 1:].reshape(side, side).detach().numpy()


class Wrapped(nn.Module):
    def __init__(self, model, fwd):
        super().__init__()
        self.model = model
        self.fwd = fwd

    def forward(self, x):
        return self.fwd(self.model, x)[0]


class WrappedWithLayer(nn.Module):
    """Exports the layer activation as a second output so that its ONNX tensor is named "layer" (the output is
    removed again after export, the tensor keeps the name)."""

    def __init__(self, model, fwd):
        super().__init__()
        self.model = model
        self.fwd = fwd

    def forward(self, x):
        return self.fwd(self.model, x)


class Spec:
    """How one model is checked: opsets (None = --opsets), input side, whether the guided reference is complete
    (every ReLU an nn.ReLU module) and whether --layer names the reference activation (else glimpse's default)."""

    def __init__(self, ctor, fwd, opsets=None, size=None, guided=True, named_layer=False, tokens=False,
                 channels_last=False):
        self.ctor, self.fwd, self.opsets, self.size, self.guided, self.named_layer = ctor, fwd, opsets, size, guided, named_layer
        # tokens: A is [1, T, D] with one class token; Grad-CAM and feature maps on the grid, plus attention rollout
        self.tokens = tokens
        # channels_last: A is [1, h, w, C] (Swin's stages); Grad-CAM and feature maps on that grid
        self.channels_last = channels_last


MODELS = {
    "resnet18": Spec(torchvision.models.resnet18, fwd_resnet, named_layer=True),
    "vgg11_bn": Spec(torchvision.models.vgg11_bn, fwd_vgg, named_layer=True),
    "mobilenet_v2": Spec(torchvision.models.mobilenet_v2, fwd_mobilenet, named_layer=True),
    "squeezenet1_0": Spec(torchvision.models.squeezenet1_0, fwd_squeezenet, named_layer=True),
    "densenet121": Spec(torchvision.models.densenet121, fwd_densenet, named_layer=True),
    # the architectures of issue 18, at 64x64 (every one of them reduces by 32, so the last map is 2x2) to keep the run
    # short. Every model's layer is named explicitly (--layer): the activation the torchvision head pools, where
    # glimpse's default would take a finer 14x14 stage at 224 pixels
    "shufflenet_v2_x0_5": Spec(torchvision.models.shufflenet_v2_x0_5, fwd_shufflenet, [13], 64, named_layer=True),
    "convnext_tiny": Spec(torchvision.models.convnext_tiny, fwd_convnext, [13, 17], 64, guided=False, named_layer=True),
    "efficientnet_b0": Spec(torchvision.models.efficientnet_b0, fwd_pooled_classifier, [13], 64, guided=False,
                            named_layer=True),
    "mobilenet_v3_small": Spec(torchvision.models.mobilenet_v3_small, fwd_pooled_classifier, [13], 64, named_layer=True),
    "googlenet": Spec(lambda: torchvision.models.googlenet(aux_logits=False, init_weights=True), fwd_googlenet, [13], 64,
                      guided=False, named_layer=True),
    "regnet_y_400mf": Spec(torchvision.models.regnet_y_400mf, fwd_regnet, [13], 64, named_layer=True),
    # vision transformers on 64x64, patch 8: 64 grid tokens + the class token. The layer is glimpse's default
    # (the input of the last block's first norm), so the default rule is checked too.
    "vit_tiny": Spec(lambda: torchvision.models.VisionTransformer(image_size=64, patch_size=8, num_layers=4, num_heads=4,
                                                                  hidden_dim=64, mlp_dim=128, num_classes=10),
                     fwd_vit, [13, 17], 64, guided=False, tokens=True),
    "vit_4d_attention": Spec(TinyVit4d, fwd_vit4d, [13, 17], 64, guided=False, tokens=True),
    # issue 18's full-size transformers at 224 (random weights): vit_b_16 (196 grid tokens + the class token, 14x14,
    # glimpse's default layer) and swin_t (the last stage's channels-last [1, 7, 7, 768] output, named)
    "vit_b_16": Spec(torchvision.models.vit_b_16, fwd_vit, [13], 224, guided=False, tokens=True),
    "swin_t": Spec(torchvision.models.swin_t, fwd_swin, [13], 224, guided=False, named_layer=True, channels_last=True),
}
CLASSIC = ["resnet18", "vgg11_bn", "mobilenet_v2", "squeezenet1_0", "densenet121"]


def cosine(a, b):
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        return float("nan")
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 and nb == 0:
        return 1.0
    return float(a @ b / (na * nb)) if na > 0 and nb > 0 else 0.0


def integrated_gradients(model, fwd, x, target, steps):
    """IG with a zero baseline by the midpoint rule, the m points in one batch (as glimpse does)."""
    alphas = (torch.arange(steps, dtype=torch.float32) + 0.5) / steps
    points = (alphas[:, None, None, None] * x).detach().requires_grad_(True)
    logits, _ = fwd(model, points)
    logits[:, target].sum().backward()
    return (points.grad.mean(0) * x[0]).detach().numpy()


def references(model, fwd, x, target, tokens=False, channels_last=False):
    Act.guided = False
    xi = x.clone().requires_grad_(True)
    logits, a = fwd(model, xi)
    a.retain_grad()
    logits[0, target].backward()
    saliency = xi.grad[0].detach().numpy()
    if tokens:
        # grid tokens only (the class token dropped): [T-1, D] -> [D, h, w]; alpha = mean over grid tokens
        side = int(round((a.shape[1] - 1) ** 0.5))
        grid = a[0, 1:].T.reshape(-1, side, side)
        alpha = a.grad[0, 1:].mean(0)
        gradcam = F.relu((alpha[:, None, None] * grid).sum(0)).detach().numpy()
        return {"featuremaps": grid.detach().numpy(), "gradcam": gradcam, "saliency": saliency,
                "attention-rollout": rollout(fwd.attention)}, logits
    if channels_last:
        # [1, h, w, C]: alpha_c = mean over the h·w positions; feature maps as [C, h, w]
        alpha = a.grad[0].mean(dim=(0, 1))
        gradcam = F.relu((alpha[None, None, :] * a[0]).sum(-1)).detach().numpy()
        return {"featuremaps": a[0].permute(2, 0, 1).detach().numpy(), "gradcam": gradcam, "saliency": saliency}, logits
    alpha = a.grad[0].mean(dim=(1, 2))
    gradcam = F.relu((alpha[:, None, None] * a[0]).sum(0)).detach().numpy()
    feats = a[0].detach().numpy()
    Act.guided = True
    xg = x.clone().requires_grad_(True)
    logits_g, _ = fwd(model, xg)
    logits_g[0, target].backward()
    Act.guided = False
    return {"featuremaps": feats, "gradcam": gradcam, "saliency": saliency, "guided": xg.grad[0].detach().numpy()}, logits


def main():
    p = argparse.ArgumentParser()
    default_cmd = ("java -jar " + os.path.join(ROOT, "launcher/target/glimpse.jar")
                   if os.path.exists(os.path.join(ROOT, "launcher/target/glimpse.jar")) else os.path.join(ROOT, "glimpse"))
    p.add_argument("--glimpse", default=default_cmd)
    p.add_argument("--models", default=",".join(MODELS), help="known: " + ",".join(MODELS))
    p.add_argument("--opsets", default="11,13")
    p.add_argument("--size", type=int, default=224, help="input side of the models without their own")
    p.add_argument("--workdir", default=None)
    p.add_argument("--ig-steps", type=int, default=8, help="integrated-gradients steps (glimpse and the reference)")
    args = p.parse_args()
    work = args.workdir or tempfile.mkdtemp(prefix="glimpse-crosscheck-")
    os.makedirs(work, exist_ok=True)
    rows, failed = [], False
    for name in args.models.split(","):
        spec = MODELS[name]
        ctor, fwd = spec.ctor, spec.fwd
        size = spec.size or args.size
        torch.manual_seed(0)
        gen = torch.Generator().manual_seed(1)
        model = ctor()
        with torch.no_grad():
            randomise_batchnorm(model, gen)
        model.eval()
        swap_relus(model)
        x = torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(2))
        with torch.no_grad():
            target = int(fwd(model, x)[0].argmax())
        refs, logits = references(model, fwd, x, target, spec.tokens, spec.channels_last)
        refs["integrated-gradients"] = integrated_gradients(model, fwd, x, target, args.ig_steps)
        if not spec.guided and "guided" in refs:
            del refs["guided"]
        for opset in spec.opsets or [int(o) for o in args.opsets.split(",")]:
            d = os.path.join(work, f"{name}-op{opset}")
            os.makedirs(d, exist_ok=True)
            onnx_path = os.path.join(d, "model.onnx")
            np.save(os.path.join(d, "x.npy"), x.numpy().astype(np.float32))
            # opset 11: BatchNormalization left as nodes (no constant folding); opset 13: folded into Conv
            if spec.named_layer:
                torch.onnx.export(WrappedWithLayer(model, fwd), x, onnx_path, opset_version=opset, input_names=["input"],
                                  output_names=["logits", "layer"], do_constant_folding=(opset >= 13))
                exported = onnx.load(onnx_path)
                layer_output = [o for o in exported.graph.output if o.name == "layer"][0]
                exported.graph.output.remove(layer_output)
                onnx.save(exported, onnx_path)
            else:
                torch.onnx.export(Wrapped(model, fwd), x, onnx_path, opset_version=opset, input_names=["input"],
                                  output_names=["logits"], do_constant_folding=(opset >= 13))
            out = os.path.join(d, "out")
            cmd = shlex.split(args.glimpse) + ["explain", "--model", onnx_path, "--input", os.path.join(d, "x.npy"),
                                               "--method", ",".join(refs), "--out", out, "--faithfulness-steps", "0",
                                               "--param", f"integrated-gradients.steps={args.ig_steps}"]
            if spec.named_layer:
                cmd += ["--layer", "layer"]
            t0 = time.time()
            r = subprocess.run(cmd, capture_output=True, text=True)
            secs = time.time() - t0
            if r.returncode != 0:
                failed = True
                rows.append((name, opset, "-", "-", {"error": (r.stderr or r.stdout).strip().splitlines()[-1:]}, secs))
                continue
            summary = json.load(open(os.path.join(out, "summary.json")))
            sims = {}
            for method, ref in refs.items():
                got = np.load(os.path.join(out, method + ".npy"))
                sims[method] = cosine(got, ref) if got.shape == ref.shape else f"shape {got.shape} vs {ref.shape}"
            ok = summary["target"] == target and all(isinstance(v, float) and v >= 0.999 for v in sims.values())
            failed |= not ok
            layer = summary["layer"] + (f" ({summary['layerLayout']})" if summary.get("layerLayout") else "")
            rows.append((name, opset, layer, "ok" if ok else "FAIL", sims, secs))
            print(f"{name} opset {opset}: {'ok' if ok else 'FAIL'} {sims} ({secs:.1f} s)", flush=True)
    print(f"{'model':<14} {'opset':>5} {'featuremaps':>12} {'gradcam':>10} {'saliency':>10} {'guided':>10} {'rollout':>10} {'ig':>10} {'s':>6}  result  layer")
    for name, opset, layer, verdict, sims, secs in rows:
        if "error" in sims:
            print(f"{name:<14} {opset:>5}  ERROR {sims['error']}")
            continue
        cells = [("-" if m not in sims else f"{sims[m]:.6f}" if isinstance(sims[m], float) else str(sims[m]))
                 for m in ("featuremaps", "gradcam", "saliency", "guided", "attention-rollout", "integrated-gradients")]
        print(f"{name:<14} {opset:>5} {cells[0]:>12} {cells[1]:>10} {cells[2]:>10} {cells[3]:>10} {cells[4]:>10} {cells[5]:>10} {secs:6.1f}  {verdict:<6}  {layer}")
    print(f"work directory: {work}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
