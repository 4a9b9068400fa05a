"""Pieces every chapter benchmark shares: the timed parts, their report rows, the bar run.

A chapter with one timed model writes `step_times` with `chapter_steps` and
starts its `run` with `chapter_report` (device, batch size, XLA decision).

Timing a step and recording the XLA decision live in `kerasbook.xla`."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kerasbook import xla


def step_part(key: str, model: str, measured: dict, run_steps: int | None = None) -> dict:
    """One timed model of a chapter: what `step_times(steps, quick)` of a chapter benchmark lists.

    `key` is the name its XLA decision is recorded under (`ch13_transformer.bert`), `model` a short label
    for the table, `measured` what `xla.time_train_steps` returns, and `run_steps` the steps of a
    default run that XLA's compile time is spread over (None: the faster step wins, see `decide`).
    """
    return {"key": key, "model": model, "measured": measured, "run_steps": run_steps}


def record_decision(report, chapter, steps_by_mode, ship=False):
    """Store the measured XLA on/off step times in `report` and the decision table.

    `steps_by_mode` is what `xla.time_train_steps` returns; the faster
    step wins (see `decide`). Returns the faster mode (`True` = XLA on).
    """
    report["train_step"] = by_mode_name(steps_by_mode)
    jit = xla.decide(chapter, report["device"], steps_by_mode, ship=ship)
    report["resolved_xla_auto"] = "on" if jit else "off"
    return jit


def chapter_steps(chapter_module: str, model: str, steps: int, cfg=None) -> list[dict]:
    """`step_times` of a chapter with one timed model (`chapter_module`, the bench's `CHAPTER_MODULE`): its
    `measure_step_times(cfg, ...)` with XLA on and off, as the `step_part` of the chapter's XLA decision.
    `cfg` is the chapter's default `Config()` unless given (a notebook times its own preset's)."""
    ch = importlib.import_module(chapter_module)
    cfg = cfg or ch.Config()
    return [step_part(ch.CHAPTER, model,
                      xla.measure_modes(lambda modes: ch.measure_step_times(cfg, steps=steps, modes=modes)))]


def chapter_report(chapter_module: str, step_times, steps: int, quick: bool, ship=False):
    """The start of a one-model chapter's report: device, batch size and the XLA decision.

    The training step is timed with XLA on and off by the benchmark's own
    `step_times(steps, quick)` and the faster mode recorded (`record_decision`).
    Returns `(report, cfg)`, `cfg` being the chapter's default `Config()`.
    """
    ch = importlib.import_module(chapter_module)
    cfg = ch.Config()
    report = {"chapter": ch.CHAPTER, "device": xla.device_kind(), "batch_size": cfg.batch_size}
    print(f"measuring training steps (batch {cfg.batch_size}, XLA on and off) on {report['device']} ...", flush=True)
    record_decision(report, ch.CHAPTER, step_times(steps, quick)[0]["measured"], ship)
    return report, cfg


def by_mode_name(steps_by_mode: dict) -> dict:
    """`{True: ..., False: ...}` (what `xla.time_train_steps` returns) as `{"xla_on": ..., "xla_off": ...}`."""
    return {("xla_on" if k else "xla_off"): v for k, v in steps_by_mode.items()}


def record_part(part: dict, device: str, ship=False) -> dict:
    """Record the decision of a `step_part` whose compile time counts (`run_steps`), as a report entry."""
    measured = part["measured"]
    jit = xla.decide(part["key"], device, measured, part["run_steps"], ship)
    return {"device": device, "run_steps": part["run_steps"], "resolved_xla_auto": "on" if jit else "off",
            "train_step": by_mode_name(measured)}


def decoding_speeds(translator, sentences, width: int, alpha: float) -> dict:
    """Sentences per second a `seq2seq.Translator` decodes greedily and by beam search (after a warm-up)."""
    translator.greedy(sentences[:8])
    start = time.perf_counter()
    translator.greedy(sentences)
    greedy = len(sentences) / (time.perf_counter() - start)
    start = time.perf_counter()
    translator.beam(sentences, width, alpha)
    return {"greedy_sentences_per_s": greedy, "beam_sentences_per_s": len(sentences) / (time.perf_counter() - start)}


def step_rows(report):
    """Table rows for the XLA on/off training-step measurement."""
    rows = [("device", report["device"])]
    for mode in ("xla_on", "xla_off"):
        r = report["train_step"][mode]
        rows.append((f"train step {mode.replace('_', ' ')}",
                     r.get("error") or f"compile {r['compile_s']:.1f} s, median step {r['step_s'] * 1e3:.1f} ms, "
                                       f"{r['samples_per_s']:.0f} samples/s"))
    rows.append(("--xla auto resolves to", report["resolved_xla_auto"]))
    return rows


def median_step_rows(label: str, steps_by_mode_name: dict) -> list[tuple[str, str]]:
    """Table rows of the median step time per mode (`by_mode_name` keys), each labelled `label` and the mode."""
    return [(f"{label} {mode.replace('_', ' ')}", f"median step {r['step_s'] * 1e3:.1f} ms")
            for mode, r in steps_by_mode_name.items()]


def run_chapter(module: str, out, args=(), cache=None):
    """Run `python -m module --out OUT ARGS...` as a user would, from an empty data cache.

    Returns `(returncode, wall seconds, metrics.json or None)`. The cache is
    `cache` if given, else a temporary folder removed afterwards.
    """
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "KERASBOOK_CACHE": str(cache or Path(tmp) / "cache")}
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", module, "--out", str(out), *args], env=env)
        wall = time.perf_counter() - start
    metrics = json.loads((Path(out) / "metrics.json").read_text()) if proc.returncode == 0 else None
    return proc.returncode, wall, metrics


def run_bar(bench, keep=None, extra_args=()):
    """Run a chapter's default training as a user would and check its bar.

    `bench` is the chapter's benchmark module (`CHAPTER_MODULE`, `BAR`). The
    run starts from an empty data cache; its output folder is `keep` if given
    (kept afterwards), else a temporary folder.
    """
    bar = bench.BAR
    with tempfile.TemporaryDirectory() as tmp:
        code, wall, metrics = run_chapter(bench.CHAPTER_MODULE, Path(keep) if keep else Path(tmp) / "run", extra_args)
        if code != 0:
            return {"passed": False, "error": f"the run exited with {code}", "wall_s": wall}
    checks = [{**c, "value": metrics["final"][c["metric"]]} for c in bar_checks(bar)]
    for c in checks:
        c["passed"] = c["value"] >= c["at_least"] if "at_least" in c else c["value"] <= c["at_most"]
    return {
        **bar, "checks": checks, "value": checks[0]["value"], "wall_s": wall, "jit_compile": metrics["jit_compile"],
        "passed": all(c["passed"] for c in checks) and wall <= bar["wall_s_at_most"],
        "final": metrics["final"],
    }


def bar_checks(bar) -> list[dict]:
    """A bar's conditions: `{"metric", "at_least" | "at_most"}` each (one, or a list under "checks")."""
    if "checks" in bar:
        return [dict(c) for c in bar["checks"]]
    return [{k: bar[k] for k in ("metric", "at_least", "at_most") if k in bar}]


def bar_row(bar):
    if "value" not in bar:
        return ("quality bar", f"FAIL: {bar['error']}")
    parts = [f"{c['metric']} {c['value']:.3f} (need {'>=' if 'at_least' in c else '<='} "
             f"{c.get('at_least', c.get('at_most'))})" for c in bar["checks"]]
    return ("quality bar", f"{', '.join(parts)} in {bar['wall_s'] / 60:.1f} min "
                           f"(need <= {bar['wall_s_at_most'] / 60:.0f}): {'PASS' if bar['passed'] else 'FAIL'}")


def chapters() -> dict[str, str]:
    """`{"ch07": "kerasbook.bench.ch07", ...}`: one module per benchmarked chapter."""
    import pkgutil

    from kerasbook import bench

    return {info.name: f"kerasbook.bench.{info.name}" for info in pkgutil.iter_modules(bench.__path__)
            if info.name.startswith("ch")}


def load(chapter: str):
    return importlib.import_module(chapters()[chapter])
