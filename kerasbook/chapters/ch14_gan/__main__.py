"""Chapter 14: generative adversarial networks, a DCGAN that writes digits and an SRGAN that sharpens photos.

A GAN trains two networks against each other: the generator turns random noise
into images, the discriminator tells real images from generated ones, and
each gets better by beating the other. This chapter builds

* **dcgan**: the DCGAN the course draws (noise -> transposed convolutions with
  batch norm and ReLU -> a tanh image; a LeakyReLU discriminator with twice
  the generator's channels) trained by our own `train_step`
  (`kerasbook.layers.gan.GAN`) on handwritten digits, with its noise drawn
  from a mixture of Gaussians (`NoiseMixture`) so that fewer digits fall
  between two classes, and judges it honestly: a classifier
  the book trains on real digits says how many generated digits it reads with
  confidence and how evenly they cover the ten classes (mode collapse shows
  there), and a Fréchet distance in that classifier's feature space compares
  them with held-out real digits;
* **dead**: dead neurons made visible, the share of the discriminator's units
  that never fire with ReLU, LeakyReLU and PReLU;
* **srgan**: x4 super-resolution of real photographs: an SRResNet trained on
  pixel loss, then the same network trained on as an SRGAN (perceptual +
  adversarial loss), both against bicubic up-sampling on three held-out
  photos, by PSNR and SSIM and by eye.

Run it:

    python -m kerasbook.chapters.ch14_gan                   # default run, builtin digits and photos
    python -m kerasbook.chapters.ch14_gan --quick           # a short run that shows the same points
    python -m kerasbook.chapters.ch14_gan --parts dcgan --d-widths same   # D as narrow as the generator
    python -m kerasbook.chapters.ch14_gan --data full       # MNIST through TFDS; VGG19 perceptual loss
    python -m kerasbook.chapters.ch14_gan sample --model RUN/generator.keras --n 64
    python -m kerasbook.chapters.ch14_gan upscale --model RUN/model.keras photo.png

References:
    Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014. Radford,
    Metz and Chintala, "Unsupervised Representation Learning with Deep
    Convolutional Generative Adversarial Networks", ICLR 2016. Heusel et al.,
    "GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash
    Equilibrium" (the FID), NeurIPS 2017. Ledig et al., "Photo-Realistic Single
    Image Super-Resolution Using a Generative Adversarial Network", CVPR 2017.
    Gurumurthy, Sarvadevabhatla and Babu, "DeLiGAN: Generative Adversarial
    Networks for Diverse and Limited Data", CVPR 2017.
    Wang et al., "Image Quality Assessment: From Error Visibility to Structural
    Similarity", IEEE TIP 2004.

The package reads in this order: `__main__.py` (this file: the steps of a
run, `sample` and `upscale`), `config.py` (`Config`), then one module per
part, `dcgan.py`, `dead_units.py` and `super_resolution.py`, then
`figures.py` (the figures) and `steps.py` (step times and XLA decisions).
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

from kerasbook import cli, saving
from kerasbook.chapters.ch14_gan.config import CHAPTER, PARTS, PROG, SIDE, Config
from kerasbook.chapters.ch14_gan.dcgan import dcgan_part, grid_image, judge_part, load_digits
from kerasbook.chapters.ch14_gan.dead_units import dead_part
from kerasbook.chapters.ch14_gan.figures import dead_figure, gan_figures, sr_figure
from kerasbook.chapters.ch14_gan.steps import measure_step_times, part_xla
from kerasbook.chapters.ch14_gan.super_resolution import sr_part, srgan_steps
from kerasbook.data import digits as dg
from kerasbook.data import photos as ph


def _train(argv):
    from kerasbook import runs

    def add_arguments(parser):
        parser.add_argument("--parts", default=None,
                            help=f"comma-separated parts to run (default: all of {','.join(PARTS)})")
        parser.add_argument("--modes", type=int, default=None,
                            help=f"Gaussians in the DCGAN's noise mixture, 0 for one plain Gaussian "
                                 f"(default: {Config().modes})")
        parser.add_argument("--d-widths", default=None, metavar="C4,C8,C16",
                            help="the discriminator's channels at 4x4, 8x8 and 16x16, or 'same' for the generator's "
                                 f"(default: {','.join(map(str, Config().d_widths))}; with --quick: same)")

    def validate(args, cfg, sources):
        if args.strategy == "mirrored":
            raise cli.UsageError("--strategy mirrored cannot train this chapter's GANs: TensorFlow fails to run their "
                                 "train_step on several replicas of one machine; use --strategy default, or "
                                 "multiworker with one device per worker")
        _parts(args.parts)
        if args.modes is not None and (args.modes < 0 or args.modes == 1):
            raise cli.UsageError(f"--modes must be 0 (one Gaussian) or at least 2, got {args.modes}")
        _d_widths(args.d_widths)

    def config(sources):
        return Config().mnist() if sources.get("digits") == "full" else Config()

    # Only the datasets of the parts asked for: `--data full --parts dcgan` needs MNIST, not VGG19's weights.
    asked = _parts(next((a.split("=", 1)[1] if "=" in a else (argv[i + 1] if i + 1 < len(argv) else "")
                         for i, a in enumerate(argv) if a.split("=", 1)[0] == "--parts"), None)) or PARTS
    specs = tuple(spec for spec, parts in ((dg.SPEC, {"dcgan", "dead"}), (ph.SPEC, {"srgan"})) if parts & set(asked))
    run = runs.setup(argv, chapter=CHAPTER, prog=PROG, specs=specs, config=config,
                     validate=validate,
                     description="GANs: a DCGAN with its own train_step, dead neurons, SRGAN (chapter 14).",
                     measure=lambda run: measure_step_times(run.cfg, "dcgan", steps=5), add_arguments=add_arguments,
                     data_dir_hint="give the TFDS data folder that holds mnist/")
    run.cfg = dataclasses.replace(run.cfg, parts=_parts(run.args.parts) or run.cfg.parts,
                                  modes=run.cfg.modes if run.args.modes is None else run.args.modes,
                                  d_widths=(run.cfg.d_widths if run.args.d_widths is None
                                            else _d_widths(run.args.d_widths)))
    cfg, out = run.cfg, run.out
    figs = out / "figures"
    figs.mkdir(parents=True, exist_ok=True)
    seconds, final, extra = {}, {}, {}
    chapter_jit, chapter_why = run.jit, run.why
    info = None
    dataset = run.dataset_entry(0, 0, 0)

    if {"dcgan", "dead"} & set(cfg.parts):
        start = time.perf_counter()
        digits = load_digits(run)
        run.require_batch(len(digits["train"][0]), "training digits")
        seconds["data: digits"] = time.perf_counter() - start
        dataset = run.dataset_entry(*(len(digits[s][0]) for s in ("train", "validation", "test")), name="digits")
        print(f"data: {run.sources['digits']} digits, {dataset['train']} train / {dataset['validation']} validation "
              f"/ {dataset['test']} test, padded to {SIDE}x{SIDE}")

    if "dcgan" in cfg.parts:
        start = time.perf_counter()
        judge, judge_report = judge_part(digits, cfg, run, out / "judge")
        seconds["judge"] = time.perf_counter() - start
        print(f"judge: {judge_report['test_accuracy']:.1%} on unseen real digits")
        start = time.perf_counter()
        dcgan = dcgan_part(digits, judge, cfg, run, out)
        seconds["dcgan"] = time.perf_counter() - start
        info = dcgan["info"]
        r = dcgan["report"]
        gan_figures(figs, dcgan, r["real_test_class_shares"], cfg)
        final.update(confident_share=r["confident_share"], min_class_share=r["min_class_share"],
                     max_class_share=r["max_class_share"], frechet_distance=r["frechet_distance"],
                     frechet_distance_real=r["frechet_distance_real_train_vs_test"],
                     judge_accuracy=judge_report["test_accuracy"], kept_epoch=r["kept_epoch"])
        extra["dcgan"] = {**r, "judge": judge_report, "xla": run.jit}
        print(f"dcgan: {r['confident_share']:.1%} of {cfg.generated} generated digits read with confidence "
              f"≥ {cfg.confidence}; class shares {r['min_class_share']:.1%}-{r['max_class_share']:.1%}; "
              f"Fréchet distance {r['frechet_distance']:.2f} (real vs real {r['frechet_distance_real_train_vs_test']:.2f}); "
              f"generator of epoch {r['kept_epoch']}")

    if "dead" in cfg.parts:
        start = time.perf_counter()
        dead = dead_part(digits, cfg, run)
        seconds["dead"] = time.perf_counter() - start
        dead_figure(figs / "dead_neurons.png", dead, cfg.dead_steps)
        final.update({f"dead_share_{a}": float(np.mean(r["after"])) for a, r in dead.items()})
        extra["dead"] = dead

    if "srgan" in cfg.parts:
        run.jit, run.why = part_xla(run, "srgan")
        print(f"srgan: XLA {'on' if run.jit else 'off'} ({run.why})")
        start = time.perf_counter()
        photos = ph.load_builtin()
        seconds["data: photos"] = time.perf_counter() - start
        perceptual = "vgg19" if run.sources.get("photos") == "full" else "own"
        start = time.perf_counter()
        sr = sr_part(photos, cfg, run, out, perceptual)
        seconds["srgan"] = time.perf_counter() - start
        m = sr["report"]["mean"]
        sr_figure(figs / "super_resolution.png", sr["images"], sr["report"], cfg.scale)
        final.update(psnr_bicubic=m["bicubic"]["psnr"], psnr_srresnet=m["SRResNet"]["psnr"],
                     psnr_srgan=m["SRGAN"]["psnr"], ssim_bicubic=m["bicubic"]["ssim"],
                     ssim_srresnet=m["SRResNet"]["ssim"], ssim_srgan=m["SRGAN"]["ssim"],
                     srresnet_gain_db=sr["report"]["srresnet_gain_db"])
        if dataset["train"] == 0:
            seen = cfg.sr_epochs * cfg.patches + cfg.srgan_epochs * srgan_steps(cfg) * cfg.sr_batch_size
            dataset = run.dataset_entry(seen, 0, len(ph.TEST), name="photos",
                                        train_photos=len(ph.TRAIN))
        extra["srgan"] = {**sr["report"], "xla": run.jit, "train_photos": list(ph.TRAIN), "test_photos": list(ph.TEST)}
        print("super-resolution x{} on {} held-out photos: ".format(cfg.scale, len(ph.TEST))
              + ", ".join(f"{k} {v['psnr']:.2f} dB / SSIM {v['ssim']:.3f}" for k, v in m.items()))

    run.jit, run.why = chapter_jit, chapter_why
    run.finish(dataset=dataset, info=info or run.run_info(), final=final, seconds=seconds, parts=list(cfg.parts),
               **extra)
    print(f"XLA {'on' if chapter_jit else 'off'} for the DCGAN; wrote {out}")
    return 0


def _sample(argv):
    parser = cli.OneLineParser(prog=f"{PROG} sample", description="Write a grid of digits from a chapter 14 generator.")
    parser.add_argument("--model", required=True, help="RUN/generator.keras of a chapter 14 run")
    parser.add_argument("--n", type=cli.positive_int, default=64, help="digits to draw (default: 64)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the noise (default: 0)")
    parser.add_argument("--out", default=None, help="the PNG to write (default: samples-seedN.png beside the model)")
    parser.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    args = parser.parse_args(argv)
    if not Path(args.model).is_file():
        raise cli.UsageError(f"--model {args.model} does not exist; train first with `{PROG}` and pass "
                             "RUN/generator.keras")
    target = Path(args.out) if args.out else Path(args.model).parent / f"samples-seed{args.seed}.png"
    if target.suffix.lower() != ".png":
        raise cli.UsageError(f"--out {target} must end in .png")
    if target.exists() and not args.overwrite:
        raise cli.UsageError(f"{target} already exists; pass --overwrite or another --out")
    model = saving.load_user_model(args.model, "chapter 14")
    if len(model.inputs[0].shape) != 2:
        raise cli.UsageError(f"{args.model} is not a generator of noise vectors; pass RUN/generator.keras")
    from PIL import Image

    z = np.random.default_rng(args.seed).normal(size=(args.n, model.inputs[0].shape[-1])).astype("float32")
    grid = grid_image(model.predict(z, verbose=0), cols=min(8, args.n))
    target.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(grid).resize((grid.shape[1] * 2, grid.shape[0] * 2), Image.NEAREST).save(target)
    print(f"wrote {args.n} digits to {target}")
    return 0


def _upscale(argv):
    parser = cli.OneLineParser(prog=f"{PROG} upscale", description="Upscale images x4 with a chapter 14 model.")
    parser.add_argument("--model", required=True, help="RUN/model.keras (SRGAN) or RUN/srresnet.keras")
    parser.add_argument("--out", default=None, help="folder for the results (default: beside each image)")
    parser.add_argument("--overwrite", action="store_true", help="replace results that already exist")
    parser.add_argument("images", nargs="+", help="image files (PNG, JPEG, ...)")
    args = parser.parse_args(argv)
    from PIL import Image, UnidentifiedImageError

    if not Path(args.model).is_file():
        raise cli.UsageError(f"--model {args.model} does not exist; train first with `{PROG}` and pass RUN/model.keras")
    pictures, targets = [], []
    for name in args.images:
        path = Path(name)
        if not path.is_file():
            raise cli.UsageError(f"image {name} does not exist")
        try:
            pictures.append(np.asarray(Image.open(path).convert("RGB"), "float32")[None] / 255.0)
        except (UnidentifiedImageError, OSError):
            raise cli.UsageError(f"{name} is not an image Pillow can read; give PNG or JPEG files") from None
        target = (Path(args.out) if args.out else path.parent) / f"{path.stem}_x4.png"
        if target.exists() and not args.overwrite:
            raise cli.UsageError(f"{target} already exists; pass --overwrite or another --out")
        targets.append(target)
    model = saving.load_user_model(args.model, "chapter 14")
    if len(model.inputs[0].shape) != 4 or model.inputs[0].shape[-1] != 3:
        raise cli.UsageError(f"{args.model} is not an up-scaling model; pass RUN/model.keras or RUN/srresnet.keras")
    for picture, target in zip(pictures, targets):
        high = np.clip(model.predict(picture, verbose=0)[0], 0, 1)
        target.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.round(high * 255).astype("uint8")).save(target)
        print(f"{target} ({high.shape[1]}x{high.shape[0]})")
    return 0


def _parts(text):
    if text is None:
        return None
    picked = tuple(dict.fromkeys(p.strip() for p in text.split(",") if p.strip()))
    unknown = [p for p in picked if p not in PARTS]
    if unknown or not picked:
        raise cli.UsageError(f"unknown part {(unknown or [text])[0]!r} in --parts; choose from {', '.join(PARTS)}")
    return picked


def _d_widths(text):
    """`--d-widths` -> a tuple of three channel counts, or None for 'same' (and for no flag)."""
    if text is None or text.strip() == "same":
        return None
    try:
        widths = tuple(int(w) for w in text.split(","))
    except ValueError:
        widths = ()
    if len(widths) != 3 or min(widths) < 1:
        raise cli.UsageError(f"--d-widths takes three positive channel counts such as 256,128,64, or 'same'; "
                             f"got {text!r}")
    return widths


def main(argv=None):
    """Train (the default, or `train`), `sample` or `upscale`; returns the exit code."""
    return cli.chapter_main(argv, _train, PROG, sample=_sample, upscale=_upscale)


if __name__ == "__main__":
    sys.exit(main())
