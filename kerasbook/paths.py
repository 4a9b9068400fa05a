"""Where kerasbook keeps what it builds and measures on this machine."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """Generated datasets and measured XLA decisions: `$KERASBOOK_CACHE`, else the user's cache folder."""
    root = os.environ.get("KERASBOOK_CACHE")
    if root:
        return Path(root)
    import platformdirs

    return Path(platformdirs.user_cache_dir("kerasbook"))
