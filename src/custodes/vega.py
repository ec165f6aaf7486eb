"""Charts drawn inside a self-contained HTML page: Vega-Embed inline, and data safe in a script.

The access audit's report and early intervention's report both carry their charts with them
(no CDN, nothing fetched: they are opened on machines without the internet and must not call
out); this is the one place that builds the runtime and escapes the data.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import vl_convert

__all__ = ["script_json", "vega_runtime"]


def vega_runtime() -> str:
    """Return Vega-Embed as one script, built once per vl-convert version and cached."""
    version = vl_convert.get_vega_embed_version()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "custodes"
    path = cache / f"vega-embed-{version}.js"
    if path.is_file():
        return path.read_text(encoding="utf-8")
    # Only vegaEmbed survives the bundler's pruning (a bare `vega` comes out as null).
    bundle = str(vl_convert.javascript_bundle("window.vegaEmbed = vegaEmbed;"))
    # The cache only saves a second; a read-only home must not stop the report.
    try:
        cache.mkdir(parents=True, exist_ok=True)
        part = path.with_suffix(f".{os.getpid()}.part")
        part.write_text(bundle, encoding="utf-8")
        part.replace(path)
    except OSError:
        pass
    return bundle


def script_json(value: object) -> str:
    """Return JSON safe to place inside a <script> element (dates and the like as text)."""
    # Escaping every "<" keeps both "</script>" and "<!--" from ending the element early.
    return json.dumps(value, separators=(",", ":"), default=str).replace("<", "\\u003c")
