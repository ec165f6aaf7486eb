"""The alert timeline chart: defined with Vega-Altair, compiled once to Vega, shipped compiled.

The chart never changes between runs, only its data and time axis do, so compiling it on every
audit (importing Altair and starting vl-convert's JavaScript engine, about three seconds) was
most of the time the audit took to write its outputs. The compiled spec lives beside this file
as `timeline.vg.json`; `python -m custodes.audit.timeline` writes it again after a change here,
and a test fails while the shipped file differs from what this module compiles.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

__all__ = ["LANES", "compile_spec", "load_spec"]

LANES = ["look-ups", "assigned incidents", "shifts"]
COLOURS = {
    "none": "#b2182b",
    "team": "#ef8a62",
    "nearby": "#f4a582",
    "broad": "#fddbc7",
    "declared": "#9970ab",
    "reason": "#67a9cf",
    "assigned": "#2166ac",
}
VEGA_LITE = "5.20"
SPEC_FILE = "timeline.vg.json"


def compile_spec() -> dict[str, Any]:
    """Build the chart with Altair and compile it to Vega; the time axis is set per report."""
    import altair as alt
    import vl_convert

    # Named datasets keep Altair from copying and validating every point.
    bars = (
        alt.Chart(alt.Data(name="spans"))  # type: ignore[no-untyped-call]
        .mark_bar(height=10, color="#888888", opacity=0.6)
        .encode(
            x=alt.X("start:T", title=None),
            x2="stop:T",
            y=alt.Y("lane:N", title=None, sort=LANES),
        )
    )
    ticks = (
        alt.Chart(alt.Data(name="looks"))  # type: ignore[no-untyped-call]
        .mark_tick(thickness=2, size=18)
        .encode(
            x=alt.X("at:T"),
            y=alt.Y("lane:N", sort=LANES),
            color=alt.Color(
                "explanation:N",
                scale=alt.Scale(domain=list(COLOURS), range=list(COLOURS.values())),
                legend=alt.Legend(title="explained by", orient="bottom"),
            ),
        )
    )
    spec = alt.layer(bars, ticks).properties(width=760, height=110).to_dict()
    spec["datasets"] = {"spans": [], "looks": []}
    vega: dict[str, Any] = dict(vl_convert.vegalite_to_vega(spec, vl_version=VEGA_LITE))
    vega.pop("$schema", None)  # a reference, never fetched; keep web addresses off the page
    return vega


def load_spec(lo_ms: int, hi_ms: int) -> dict[str, Any]:
    """Return the shipped Vega spec with its time axis running from `lo_ms` to `hi_ms`."""
    spec: dict[str, Any] = json.loads(
        files("custodes.audit").joinpath(SPEC_FILE).read_text(encoding="utf-8")
    )
    # Every alert's timeline shares one axis, so charts can be compared at a glance.
    for scale in spec["scales"]:
        if scale["name"] == "x":
            scale["domain"] = [lo_ms, hi_ms]
            scale.pop("zero", None)
    return spec


def main() -> None:
    """Write the compiled spec beside this module."""
    path = files("custodes.audit").joinpath(SPEC_FILE)
    text = json.dumps(compile_spec(), indent=1, sort_keys=True) + "\n"
    with open(str(path), "w", encoding="utf-8") as fh:
        fh.write(text)


if __name__ == "__main__":
    main()
