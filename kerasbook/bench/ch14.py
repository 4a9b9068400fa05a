"""Chapter 14 benchmark: XLA on/off for the DCGAN's own train_step and for the SRResNet's training step.

* compile time, median step time and samples/s of one `GAN.train_step` (a
  discriminator step and a generator step, batch 64, 32x32 digits) with XLA on
  and off: the chapter's decision (`ch14_gan`);
* the same for the SRResNet's pixel-loss step (batch 16, 16x16 -> 64x64
  patches), recorded as `ch14_gan.srgan`: XLA is on when it makes that part's
  training at least 5 % faster with its compile time spread over the part's
  steps in a default run.

Bars, on builtin data within 12 minutes of wall time: at least 90 % of the
generated digits are read by the book's digit classifier with confidence at
least 0.9, every class holds 5-15 % of them, and the SRResNet beats bicubic
up-sampling by at least 1 dB of PSNR on the three held-out photos.
"""

from __future__ import annotations

from kerasbook import xla

CHAPTER_MODULE = "kerasbook.chapters.ch14_gan"
BAR = {"checks": [{"metric": "confident_share", "at_least": 0.90}, {"metric": "min_class_share", "at_least": 0.05},
                  {"metric": "max_class_share", "at_most": 0.15}, {"metric": "srresnet_gain_db", "at_least": 1.0}],
       "wall_s_at_most": 12 * 60}


def step_times(steps, quick=False, cfg=None):
    """The DCGAN's `train_step` (the chapter's decision) and the SRResNet's step (`ch14_gan.srgan`, its
    compile time spread over its default run), timed with XLA on and off (`common.step_part`s)."""
    from kerasbook.bench.common import step_part
    from kerasbook.xla import measure_modes
    from kerasbook.chapters import ch14_gan as ch

    cfg = cfg or ch.Config()
    sr_steps = max(3, steps // 2) if quick else steps
    return [step_part(ch.CHAPTER, "DCGAN train_step",
                      measure_modes(lambda modes: ch.measure_step_times(cfg, "dcgan", steps=steps, modes=modes))),
            step_part(f"{ch.CHAPTER}.srgan", "SRResNet",
                      measure_modes(lambda modes: ch.measure_step_times(cfg, "srgan", steps=sr_steps, modes=modes)),
                      ch.run_steps(cfg, "srgan"))]


def run(steps, quick, ship=False):
    from kerasbook.bench.common import record_decision, record_part
    from kerasbook.chapters import ch14_gan as ch

    cfg = ch.Config()
    device = xla.device_kind()
    report = {"chapter": ch.CHAPTER, "device": device, "batch_size": cfg.batch_size}
    print(f"measuring the DCGAN's train_step and the SRResNet's training step (XLA on and off) on {device} ...",
          flush=True)
    dcgan, srgan = step_times(steps, quick)
    record_decision(report, ch.CHAPTER, dcgan["measured"], ship)
    report["srgan"] = record_part(srgan, device, ship)
    return report


def rows(report):
    """Table rows `(label, value)` for the terminal."""
    from kerasbook.bench.common import step_rows

    out = step_rows(report)
    r = report["srgan"]
    on, off = r["train_step"]["xla_on"], r["train_step"]["xla_off"]
    xla = on.get("error") or f"XLA on {on['step_s'] * 1e3:.1f} ms (compile {on['compile_s']:.1f} s)"
    out.append(("SRResNet train step",
                f"{xla}, off {off['step_s'] * 1e3:.1f} ms -> --xla auto: {r['resolved_xla_auto']}"))
    return out
