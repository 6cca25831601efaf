#!/usr/bin/python3
"""Golden tensors for Glimpse's preprocessing, computed by torchvision on PIL images.

Writes small test images of varied sizes, aspect ratios and modes, and for each the float tensor torchvision's
Resize -> CenterCrop -> ToTensor -> Normalize produces (plus stretch and letterbox cases), into
runtime/src/test/resources/preprocess-golden/. PreprocessGoldenTest compares runtime's Preprocessor with them.

Run from the repository root with Debian's python3-torchvision (PyTorch 1.13, torchvision 0.14, Pillow):
    /usr/bin/python3 runtime/tools/preprocess_golden.py
The output is deterministic (seeded); rerunning rewrites the same files.

EXIF orientation is NOT applied, as torchvision's ImageFolder loader (Image.open(f).convert('RGB')) does not
apply it; the EXIF-rotated JPEG case shows that Glimpse ignores it too.
"""
import io
import json
import os
import sys

import numpy as np
import PIL
from PIL import Image, ImageDraw
import torch
import torchvision
from torchvision import transforms
import torchvision.transforms.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "preprocess-golden")
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
rng = np.random.default_rng(20261207)


def content(w, h, noise=18.0):
    """RGB uint8 content with smooth gradients, hard edges and pixel noise, so that the resize filter matters."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 127.5 + 127.5 * np.sin(x / max(w, 1) * 7.0 + y / max(h, 1) * 2.0)
    g = 255.0 * (y / max(h - 1, 1))
    b = 255.0 * ((x.astype(int) // 3 + y.astype(int) // 3) % 2)
    a = np.stack([r, g, b], axis=-1) + rng.normal(0, noise, (h, w, 3))
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(img)
    d.ellipse([w * 0.2, h * 0.2, w * 0.7, h * 0.8], outline=(255, 255, 0), width=max(1, w // 40))
    d.line([0, h - 1, w - 1, 0], fill=(0, 0, 0), width=max(1, h // 50))
    return img


def save(img, name, **kwargs):
    path = os.path.join(OUT, "images", name)
    img.save(path, **kwargs)
    return name


def torchvision_tensor(path, colour, pipeline):
    with open(path, "rb") as f:
        img = Image.open(f)
        img = img.convert("RGB" if colour == "rgb" else "L")  # torchvision's pil_loader; no exif_transpose
    return pipeline(img)


def letterbox(h, w):
    def apply(img):
        iw, ih = img.size
        s = min(w / iw, h / ih)
        nw = max(1, min(w, round(iw * s)))
        nh = max(1, min(h, round(ih * s)))
        resized = F.resize(img, [nh, nw], interpolation=transforms.InterpolationMode.BILINEAR)
        canvas = Image.new(img.mode, (w, h), 0)
        canvas.paste(resized, ((w - nw) // 2, (h - nh) // 2))
        return canvas
    return apply


def main():
    os.makedirs(os.path.join(OUT, "images"), exist_ok=True)
    cases = []

    def case(name, image, colour="rgb", size=(64, 64), resize=72, crop="center", mode="shorter",
             mean=IMAGENET_MEAN, std=IMAGENET_STD, dtype=np.float16, refused=None):
        props = {"glimpse.input.colour": colour, "glimpse.input.size": f"{size[0]}x{size[1]}",
                 "glimpse.input.mean": json.dumps(mean), "glimpse.input.std": json.dumps(std),
                 "glimpse.input.resize_mode": mode, "glimpse.input.crop": crop}
        if resize:
            props["glimpse.input.resize"] = str(resize)
        entry = {"name": name, "image": image, "metadata": props}
        if refused:
            entry["refused"] = refused
        else:
            if mode == "shorter":
                steps = [transforms.Resize(resize), transforms.CenterCrop(size)]
            elif mode == "stretch":
                steps = [transforms.Resize(size)]
            else:
                steps = [letterbox(*size)]
            pipeline = transforms.Compose(steps + [transforms.ToTensor(), transforms.Normalize(mean, std)])
            t = torchvision_tensor(os.path.join(OUT, "images", image), colour, pipeline).unsqueeze(0).numpy()
            np.save(os.path.join(OUT, name + ".npy"), t.astype(dtype))
            entry["tensor"] = name + ".npy"
            entry["shape"] = list(t.shape)
        cases.append(entry)

    # RGB PNGs: landscape, portrait, square, extreme aspect, tiny, 1x1, and a crop larger than the resize (padded)
    case("rgb_landscape_300x200", save(content(300, 200, noise=4), "rgb_300x200.png"))
    case("rgb_portrait_150x260", save(content(150, 260, noise=4), "rgb_150x260.png"))
    case("rgb_square_64", save(content(64, 64), "rgb_64x64.png"))
    case("rgb_wide_97x33", save(content(97, 33), "rgb_97x33.png"))
    case("rgb_tall_31x203", save(content(31, 203), "rgb_31x203.png"))
    case("rgb_tiny_5x3", save(content(5, 3), "rgb_5x3.png"))
    case("rgb_single_pixel", save(content(1, 1), "rgb_1x1.png"))
    case("rgb_crop_larger_than_resize", "rgb_97x33.png", resize=40)
    # other modes, converted as PIL's convert('RGB') does
    case("gray_png_to_rgb", save(content(150, 100).convert("L"), "gray_150x100.png"))
    case("palette_png", save(content(120, 90).quantize(colors=64), "palette_120x90.png"))
    pal = content(77, 51).quantize(colors=16)
    pal.info["transparency"] = 3
    case("palette_png_transparent", save(pal, "palette_transparent_77x51.png", transparency=3))
    rgba = content(100, 140).convert("RGBA")
    rgba.putalpha(Image.fromarray(rng.integers(0, 256, (140, 100), dtype=np.uint8), "L"))
    case("rgba_png_alpha_dropped", save(rgba, "rgba_100x140.png"))
    la = content(80, 60).convert("LA")
    la.putalpha(Image.fromarray(rng.integers(0, 256, (60, 80), dtype=np.uint8), "L"))
    case("gray_alpha_png", save(la, "la_80x60.png"))
    # JPEGs: 4:2:0 and 4:4:4 chroma, gray, EXIF orientation 6 (ignored), CMYK (refused)
    case("jpeg_420", save(content(320, 240), "photo_320x240.jpg", quality=90))
    case("jpeg_444", save(content(180, 130), "photo444_180x130.jpg", quality=92, subsampling=0))
    case("jpeg_gray", save(content(140, 140).convert("L"), "gray_140x140.jpg", quality=90))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 CW to display
    case("jpeg_exif_rotated_not_applied", save(content(160, 120), "exif6_160x120.jpg", quality=90, exif=exif.tobytes()))
    case("jpeg_cmyk_refused", save(content(64, 48).convert("CMYK"), "cmyk_64x48.jpg", quality=90),
         refused="wrong-channels")
    # a gray model (convert('L') from RGB), stretch and letterbox
    case("gray_model_from_rgb_jpeg", "photo_320x240.jpg", colour="gray", mean=[0.5], std=[0.25])
    case("stretch_48x64", "rgb_300x200.png", size=(48, 64), resize=None, crop="none", mode="stretch")
    case("letterbox_64x64", "rgb_150x260.png", resize=None, crop="none", mode="letterbox")
    # the ImageNet contract at full size: Resize(256) -> CenterCrop(224)
    case("imagenet_jpeg_500x375", save(content(500, 375), "photo_500x375.jpg", quality=88),
         size=(224, 224), resize=256)
    case("imagenet_png_333x500", save(content(333, 500, noise=0), "rgb_333x500.png"), size=(224, 224), resize=256)

    manifest = {
        "generator": "runtime/tools/preprocess_golden.py",
        "command": "/usr/bin/python3 runtime/tools/preprocess_golden.py",
        "versions": {"python": sys.version.split()[0], "torch": torch.__version__,
                     "torchvision": torchvision.__version__, "pillow": PIL.__version__, "numpy": np.__version__},
        "cases": cases,
    }
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
