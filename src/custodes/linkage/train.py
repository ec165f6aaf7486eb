"""Train the model's parameters on synthetic people and ship them as `model.json`.

Retrain (after changing a comparison in `model.py` or the synthetic data):

    .venv/bin/python -m custodes.linkage.train            # writes src/custodes/linkage/model.json

The u probabilities (how often unrelated people agree by chance) come from random pairs of a
synthetic registry and roster; the m probabilities (how often the same person agrees) from
the roster's known true matches; both with fixed seeds, so retraining unchanged code gives
the same file. There are two synthetic shapes (`custodes.linkage.synthetic`): a published
list against applicants ("standard") and a department's roster against next year's
("rosters"); each is trained on its own, and the model is their mixture, as if a pair were as
likely to come from either (`_mixed`), but for the agency, learnt from the standard shape
alone (`Training.one_shape`). The benchmark scores both shapes on other seeds
(`bench/registry_matching.py`).
"""

from __future__ import annotations

import argparse
import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
from splink import Linker

from custodes.linkage.engines import DuckDBEngine
from custodes.linkage.model import COMPARISONS, MODEL_PATH, SAME_AGENCY, settings_creator
from custodes.linkage.prepare import PREPARED_SCHEMA, prepare_people
from custodes.linkage.synthetic import PeopleConfig, PeopleResult, generate_people

__all__ = ["PRIOR", "TRAINING_DATA", "TRAINING_SEED", "Training", "train_model"]

TRAINING_SEED = 20240601
TRAINING_DATA = tuple(
    PeopleConfig(
        registry=50000,
        roster=50000,
        on_registry=0.1,
        hard_negatives=0.05,
        seed=TRAINING_SEED,
        shape=shape,
    )
    for shape in ("standard", "rosters")
)
# The prior that one person checked is a given registry entry. The training data's own rate
# is one person in ten of the roster on a 50,000-entry registry (2e-6); the model's middle
# probabilities came out about 2.5 times too sure on it (its comparisons are not fully
# independent: a shared name and a close birth date go together more than chance says), so
# the prior is lowered by that much. Lower makes reports surer and rarer.
PRIOR = 0.1 / 50000 / 2.5


@dataclass(frozen=True)
class Training:
    """What to train on and how hard to sample."""

    data: tuple[PeopleConfig, ...] = TRAINING_DATA
    u_pairs: float = 2e7
    u_seed: int = 7
    prior: float = PRIOR
    # Records each side whose every pairing tells how often a comparison sees random pairs.
    observed_sample: int = 2000
    # The share of pairs each shape in `data` gives the mixture the model is trained on.
    shares: tuple[float, ...] = (0.5, 0.5)
    # Comparisons learnt from one shape (its index in `data`) alone. The agency: on two years'
    # rosters of one department nearly every true pair has the same agency, which would teach
    # that another agency is strong evidence of another person; an applicant to a new force
    # is the registry's first use, so the agency is learnt from published lists and
    # applicants ("standard") alone.
    one_shape: tuple[tuple[str, int], ...] = (("agency", 0),)


def _labelled(people: PeopleResult) -> tuple[pa.Table, pa.Table]:
    """Return the prepared registry and roster with a column naming the true person."""
    registry = prepare_people(people.registry)
    registry = registry.append_column("person_key", registry.column("unique_id"))
    match = dict(
        zip(
            people.truth.column("person_ref").to_pylist(),
            people.truth.column("entry_id").to_pylist(),
            strict=True,
        )
    )
    roster = prepare_people(people.roster)
    keys = [match.get(r, r) for r in roster.column("unique_id").to_pylist()]
    return registry, roster.append_column("person_key", pa.array(keys, type=pa.string()))


# Add-one smoothing of the m probabilities: a level no synthetic match fell into is rare among
# matches, not impossible, and real records hold differences the generator does not make.
_M_PSEUDOCOUNT = 1.0
# The least u probability kept: a level random pairs never fell into is rare, not impossible.
_U_FLOOR = 1e-6


def _smoothed(model: dict[str, Any], true_pairs: int) -> dict[str, Any]:
    """Return the model with every estimated level given a usable m and u probability."""
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        trained = [lv for lv in levels if not lv.get("fix_m_probability")]
        for level in trained:
            count = float(level.get("m_probability") or 0.0) * true_pairs
            level["m_probability"] = (count + _M_PSEUDOCOUNT) / (
                true_pairs + _M_PSEUDOCOUNT * len(trained)
            )
        for level in levels:
            if not level.get("fix_u_probability"):
                level["u_probability"] = max(float(level.get("u_probability") or 0.0), _U_FLOOR)
    # Splink gives each model a random id; a fixed one makes retraining reproducible.
    model["linker_uid"] = "custodes"
    return model


@dataclass(frozen=True)
class _Estimate:
    """One shape's model, and how often each comparison says anything (is not at a null level)."""

    model: dict[str, Any]
    observed: dict[str, dict[str, float]]  # "m" (true pairs) / "u" (random pairs) -> comparison


def _observed_sql(pairs: str) -> str:
    """Return SQL giving, per comparison, the share of `pairs` not at one of its null levels."""
    select = ", ".join(
        f"l.{name} AS {name}_l, r.{name} AS {name}_r" for name in PREPARED_SCHEMA.names
    )
    shares = []
    for comparison in COMPARISONS:
        whens = " ".join(
            f"WHEN {level.sql} THEN {0 if level.null else 1}"
            for level in comparison.levels
            if level.sql != "ELSE"
        )
        shares.append(f"avg(CASE {whens} ELSE 1 END) AS {comparison.name}")
    return f"WITH pairs AS (SELECT {select} FROM {pairs}) SELECT {', '.join(shares)} FROM pairs"


def _estimated(config: PeopleConfig, training: Training) -> _Estimate:
    """Return the model trained on one synthetic registry and roster."""
    people = generate_people(config)
    registry, roster = _labelled(people)
    engine = DuckDBEngine()
    try:
        left = engine.register(registry, "registry", keep=True)
        right = engine.register(roster, "roster", keep=True)
        linker = Linker([left, right], settings_creator(training.prior), log_level=None)
        linker.training.estimate_u_using_random_sampling(
            max_pairs=training.u_pairs, seed=training.u_seed
        )
        linker.training.estimate_m_from_label_column("person_key")
        model = _smoothed(linker.misc.save_model_to_json(), people.truth.num_rows)
        n = training.observed_sample
        observed = {
            "m": "registry l JOIN roster r ON l.person_key = r.person_key",
            "u": f"(SELECT * FROM registry ORDER BY unique_id LIMIT {n}) l "
            f"CROSS JOIN (SELECT * FROM roster ORDER BY unique_id LIMIT {n}) r",
        }
        shares = {
            key: engine.con.sql(_observed_sql(pairs)).to_arrow_table().to_pylist()[0]
            for key, pairs in observed.items()
        }
        return _Estimate(model, shares)
    finally:
        engine.close()


def _levels(comparison: dict[str, Any]) -> list[dict[str, Any]]:
    return list(comparison["comparison_levels"])


def _mixed(estimates: list[_Estimate], shares: tuple[float, ...]) -> dict[str, Any]:
    """Return the model of a mixture of the shapes, giving pairs in the proportions `shares`.

    Each comparison's m (and u) are shares among the true (random) pairs it says anything
    about; a shape where it never does, such as full birth dates on rosters, adds nothing.
    """
    out = copy.deepcopy(estimates[0].model)
    for c, comparison in enumerate(out["comparisons"]):
        name = comparison["output_column_name"]
        for key, probability in (("m", "m_probability"), ("u", "u_probability")):
            weights = [
                share * (e.observed[key][name] or 0.0)
                for share, e in zip(shares, estimates, strict=True)
            ]
            if not sum(weights):
                continue
            for i, level in enumerate(_levels(comparison)):
                if level.get(f"fix_{probability}") or level.get("is_null_level"):
                    continue
                values = [_levels(e.model["comparisons"][c])[i][probability] for e in estimates]
                level[probability] = sum(w * v for w, v in zip(weights, values, strict=True)) / sum(
                    weights
                )
    return out


def _given_same_agency(model: dict[str, Any]) -> dict[str, Any]:
    """Make the trained badge levels that need the same agency conditional on it.

    Splink multiplies the comparisons' Bayes factors, and the agency comparison already
    counts a shared agency once: a badge level that holds only where the agency is the same
    should weigh what it says beyond that, P(level | same agency), not P(level).
    """
    by_name = {c["output_column_name"]: c["comparison_levels"] for c in model["comparisons"]}
    (same,) = [lv for lv in by_name["agency"] if lv["label_for_charts"] == "exact"]
    for level in by_name["badges"]:
        if not level["sql_condition"].startswith(SAME_AGENCY):
            continue
        for key in ("m_probability", "u_probability"):
            if not level.get(f"fix_{key}"):
                level[key] = min(level[key] / same[key], 1.0)
    return model


def _from_one_shape(
    model: dict[str, Any], estimates: list[_Estimate], one_shape: tuple[tuple[str, int], ...]
) -> dict[str, Any]:
    """Return the model with the named comparisons as one shape alone estimated them."""
    for name, shape in one_shape:
        (alone,) = [
            c for c in estimates[shape].model["comparisons"] if c["output_column_name"] == name
        ]
        for c, comparison in enumerate(model["comparisons"]):
            if comparison["output_column_name"] == name:
                model["comparisons"][c] = copy.deepcopy(alone)
    return model


def train_model(out: Path | None = MODEL_PATH, training: Training = Training()) -> dict[str, Any]:
    """Estimate u by random sampling and m from the true matches; save and return the model."""
    estimates = [_estimated(config, training) for config in training.data]
    # The badge levels are made conditional on the agency as the mixture has it, before the
    # agency comparison is replaced: P(level | same agency) within one population.
    model = _given_same_agency(_mixed(estimates, training.shares))
    model = _from_one_shape(model, estimates, training.one_shape)
    if out is not None:
        out.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    return model


def main() -> None:
    """Train on the fixed synthetic data and write the model file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args()
    train_model(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
