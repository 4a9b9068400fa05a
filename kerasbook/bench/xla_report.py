"""`python -m kerasbook.bench all`: every chapter's training step with XLA on and off, in one table.

For each benchmarked chapter (or those `--only` names) we time the training
step of every model that carries an XLA decision (the `step_times` of the
chapter's benchmark module: one model for most chapters, four for chapter 13,
two for chapter 14), record each decision for this device as
`python -m kerasbook.bench CHAPTER` does, and print one row per model:

    chapter, model, device, step time XLA on, step time XLA off, speed-up, decision

A step XLA cannot compile on this device gets the decision off, with the reason
in the table. A chapter that fails gets a row saying why, the others still run,
and the command exits with 1.
"""

from __future__ import annotations

import time
import traceback

from kerasbook.bench import common
from kerasbook import xla

COLUMNS = ("chapter", "model", "device", "XLA on", "XLA off", "speed-up", "decision")
# Timed steps per mode with --quick. Most of the time goes to compiling and tracing, not to these steps:
# on a 2-core CPU that a training run was also using, every chapter took 7.0 minutes in all
# (chapter 13's four models 2.2 of them, chapter 7's 1.4).
QUICK_STEPS = 10


def measure(chapter: str, steps: int, quick: bool) -> list[dict]:
    """The `common.step_part`s of one chapter: its benchmark module's `step_times`."""
    return common.load(chapter).step_times(steps, quick)


def part_row(chapter: str, part: dict, device: str, ship: bool) -> dict:
    """Record one model's decision and describe it as a row of the table (a dict, also the JSON)."""
    jit = xla.decide(part["key"], device, part["measured"], part["run_steps"], ship)
    on, off = part["measured"][True], part["measured"][False]
    failed = "error" in on
    row = {"bench": chapter, "chapter": part["key"], "model": part["model"], "device": device,
           "step_s_xla_on": None if failed else on["step_s"], "step_s_xla_off": off["step_s"],
           "compile_s_xla_on": None if failed else on["compile_s"], "run_steps": part["run_steps"],
           "speedup": None if failed else off["step_s"] / on["step_s"], "decision": "on" if jit else "off",
           "reason": None}
    if failed:
        row["reason"] = on["error"]
    elif part["run_steps"] is not None and jit != (row["speedup"] > 1):
        row["reason"] = f"compile {on['compile_s']:.1f} s over {part['run_steps']:,} steps"
    return row


def error_row(chapter: str, device: str, err: BaseException) -> dict:
    message = (str(err).strip().splitlines() or [""])[0][:160]
    return {"bench": chapter, "chapter": chapter, "model": "", "device": device, "decision": None,
            "error": f"{type(err).__name__}: {message}".rstrip(": "),
            "traceback": traceback.format_exc()}


def cells(row: dict) -> tuple:
    """The printed cells of a row, in `COLUMNS` order."""
    def ms(s):
        return "-" if s is None else f"{s * 1e3:.1f} ms"

    if "error" in row:
        return row["chapter"], row["model"], row["device"], "-", "-", "-", f"ERROR {row['error']}"
    on = "cannot compile" if row["step_s_xla_on"] is None else ms(row["step_s_xla_on"])
    decision = row["decision"] + (f": {row['reason']}" if row["reason"] else "")
    speedup = "-" if row["speedup"] is None else f"{row['speedup']:.2f}x"
    return row["chapter"], row["model"], row["device"], on, ms(row["step_s_xla_off"]), speedup, decision


def table(rows: list[dict]) -> str:
    """The rows as one plain-text table under a header line."""
    lines = [COLUMNS, *(cells(r) for r in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS) - 1)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths)) + "  " + line[-1] for line in lines)


def run_all(chapters: list[str], steps: int, quick: bool, ship: bool = False) -> dict:
    """Measure and record every chapter in `chapters`, one progress line each; the report of `all`."""

    device = xla.device_kind()
    rows, walls = [], {}
    start_all = time.perf_counter()
    print(f"timing {steps} training steps per mode of {len(chapters)} chapters on {device} ...", flush=True)
    for i, chapter in enumerate(chapters, 1):
        start = time.perf_counter()
        try:
            new = [part_row(chapter, part, device, ship) for part in measure(chapter, steps, quick)]
        except Exception as err:  # noqa: BLE001 - one chapter's failure is its row; the others still run
            new = [error_row(chapter, device, err)]
        walls[chapter] = time.perf_counter() - start
        rows += new
        done = "; ".join(f"{c[0]} on {c[3]}, off {c[4]} -> {c[6]}" if "error" not in r else c[6]
                         for r, c in ((r, cells(r)) for r in new))
        print(f"[{i}/{len(chapters)}] {chapter} ({walls[chapter]:.0f} s): {done}", flush=True)
        _release()
    return {"device": device, "steps": steps, "quick": quick, "wall_s": time.perf_counter() - start_all,
            "chapter_wall_s": walls, "rows": rows,
            "failed": sorted({r["bench"] for r in rows if "error" in r})}


def _release():
    """Drop the models of the chapter just measured, so the next one starts from a clean Keras session."""
    import gc

    import keras

    keras.backend.clear_session()
    gc.collect()
