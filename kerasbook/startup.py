"""A quiet start: TensorFlow's C++ start-up lines kept out of a chapter's output.

Importing TensorFlow on a machine without a GPU prints six to twelve lines to
stderr before any of the book's own: oneDNN's notice, "Could not find cuda
drivers", the CPU features TensorFlow was not built for, a failed `cuInit`,
and absl's "All log messages before absl::InitializeLog() is called are
written to STDERR", some of them twice.

TensorFlow's supported switch, the environment variable
`TF_CPP_MIN_LOG_LEVEL`, is read when its libraries load: set to 1 before the
import (`quiet()` does it unless the user has set it), it hides the C++ INFO
lines, the CPU-feature notice among them, and keeps warnings and errors. It
cannot hide the lines logged before absl's logging is initialised (oneDNN's
and cudart's notices and absl's own warning: absl writes those whatever the
level), nor the `cuInit` error of a machine with no GPU driver. For those
alone, `quiet()` wraps TensorFlow's first import and its first look for
GPUs: stderr goes to a temporary file meanwhile, and afterwards every line
of it except the known start-up lines (`STARTUP`) is written back to stderr,
so a real error or warning in that window still shows.

`kerasbook/__init__.py` calls `quiet()`, so every entry point of the book
(chapters, bench, quiz, front door) starts quietly; `KERASBOOK_TF_STARTUP=1`
lets the start-up lines through.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import os
import re
import sys
import tempfile

LOG_LEVEL = "1"           # TF_CPP_MIN_LOG_LEVEL: 1 hides INFO, keeps WARNING and ERROR
STARTUP = re.compile("|".join((
    r"^WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR$",
    r"^I\d{4} [\d:. ]+\d+ port\.cc:\d+\] oneDNN custom operations are on",
    r"^I\d{4} [\d:. ]+\d+ cudart_stub\.cc:\d+\] Could not find cuda drivers on your machine",
    r"^E\d{4} [\d:. ]+\d+ cuda_platform\.cc:\d+\] failed call to cuInit",
    r"^I\d{4} [\d:. ]+\d+ cpu_feature_guard\.cc:\d+\] This TensorFlow binary is optimized",
    r"^To enable the following instructions: .*rebuild TensorFlow with the appropriate compiler flags\.$",
)))


def startup_line(line: str) -> bool:
    """Whether `line` is one of TensorFlow's known start-up lines on a machine without a GPU."""
    return bool(STARTUP.search(line.rstrip("\n")))


@contextlib.contextmanager
def filtered_stderr():
    """Inside: file descriptor 2 goes to a temporary file. After: its lines, less the start-up lines, to stderr."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = [line for line in captured.read().decode("utf-8", "replace").splitlines(keepends=True)
                    if not startup_line(line)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()


class _QuietLoader(importlib.abc.Loader):
    """Runs TensorFlow's own loader inside `filtered_stderr`, then looks for GPUs there too."""

    def __init__(self, loader):
        self.loader = loader

    def __getattr__(self, name):              # anything else a loader answers (resources, source, ...)
        return getattr(self.loader, name)

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        with filtered_stderr():
            self.loader.exec_module(module)
            # The cuInit error is logged at the first look for a GPU; listing devices does not fix them,
            # so logical devices can still be configured afterwards.
            module.config.list_physical_devices("GPU")


class _QuietFinder(importlib.abc.MetaPathFinder):
    """Finds `tensorflow` as usual, once, and hands it to `_QuietLoader`."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


def quiet():
    """Start TensorFlow quietly (see the module docstring); does nothing if it is already imported."""
    if os.environ.get("KERASBOOK_TF_STARTUP") == "1" or "tensorflow" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", LOG_LEVEL)
    if not any(isinstance(f, _QuietFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _QuietFinder())
