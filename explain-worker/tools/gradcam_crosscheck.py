#!/usr/bin/env python3
# Dev-time cross-check (not run by the build): recomputes Grad-CAM with PyTorch autograd on the weights of an ONNX
# model made by ./glimpse train (Conv/BatchNormalization/Relu/MaxPool/GlobalAveragePool/Flatten/Gemm/Identity) and
# compares it with the raw maps the explain worker stored for the samples ShapesPointingExperiment writes.
# Usage: cd explain-worker/target/shapes-experiment/samples && /usr/bin/python3 ../../../tools/gradcam_crosscheck.py MODEL.onnx LAYER
import onnx, numpy as np, torch, torch.nn.functional as F, sys, glob, json
from onnx import numpy_helper
from PIL import Image
m = onnx.load(sys.argv[1])
W = {t.name: torch.tensor(numpy_helper.to_array(t)) for t in m.graph.initializer}
nodes = list(m.graph.node)
meta = {p.key: p.value for p in m.metadata_props}
mean = json.loads(meta['glimpse.input.mean'])[0]; std = json.loads(meta['glimpse.input.std'])[0]
def attr(n, k, d=None):
    for a in n.attribute:
        if a.name == k:
            return list(a.ints) if a.ints else (a.f if a.type == 1 else a.i)
    return d
def run(x, layer):
    env = {'input': x}
    for n in nodes:
        i = [env[v] if v in env else W[v] for v in n.input]
        o = n.op_type
        if o == 'Conv':
            p = attr(n, 'pads', [0,0,0,0]); y = F.conv2d(i[0], i[1], i[2] if len(i) > 2 else None, stride=attr(n,'strides',[1,1]), padding=(p[0], p[1]))
        elif o == 'BatchNormalization':
            y = F.batch_norm(i[0], i[3], i[4], i[1], i[2], False, 0.0, attr(n, 'epsilon', 1e-5))
        elif o == 'Relu': y = F.relu(i[0])
        elif o == 'MaxPool': y = F.max_pool2d(i[0], attr(n,'kernel_shape'), attr(n,'strides'))
        elif o == 'Flatten': y = i[0].flatten(1)
        elif o == 'Gemm':
            y = i[0] @ (i[1].T if attr(n,'transB',0) else i[1]) + i[2]
        elif o == 'Identity': y = i[0]
        elif o == 'GlobalAveragePool': y = i[0].mean(dim=(2, 3), keepdim=True)
        else: raise Exception(o)
        env[n.output[0]] = y
        if n.output[0] == layer:
            y = y.detach().requires_grad_(True); env[n.output[0]] = y
    return env
layer = sys.argv[2]
for png in sorted(glob.glob('s*.png')):
    s = png[:-4]
    img = np.asarray(Image.open(png).convert('L'), dtype=np.float32) / 255.0
    x = torch.tensor(((img - mean) / std)[None, None])
    env = run(x, layer)
    t = int(open(s + '.label').read())
    env['logits'][0, t].backward()
    A = env[layer][0]; G = env[layer].grad[0]
    cam = F.relu((G.mean(dim=(1, 2))[:, None, None] * A).sum(0)).detach().numpy()
    ours = np.load(s + '.gradcam.npy')
    cos = float((cam * ours).sum() / (np.linalg.norm(cam) * np.linalg.norm(ours) + 1e-12))
    print(s, 'label', t, 'torch max %.4f ours max %.4f' % (cam.max(), ours.max()), 'cos %.5f' % cos, 'argmax torch', np.unravel_index(cam.argmax(), cam.shape), 'ours', np.unravel_index(ours.argmax(), ours.shape))
