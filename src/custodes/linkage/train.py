"""Train the model's parameters on synthetic people and ship them as `model.json`.

Retrain (after changing a comparison in `model.py` or the synthetic data):

    .venv/bin/python -m custodes.linkage.train            # writes src/custodes/linkage/model.json

The u probabilities (how often unrelated people agree by chance) come from random pairs of a
synthetic registry and roster; the m probabilities (how often the same person agrees) from
the roster's known true matches; both with fixed seeds, so retraining unchanged code gives
the same file. The benchmark scores on a different seed (`bench/registry_matching.py`).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
from splink import Linker

from custodes.linkage.engines import DuckDBEngine
from custodes.linkage.model import MODEL_PATH, settings_creator
from custodes.linkage.prepare import prepare_people
from custodes.linkage.synthetic import PeopleConfig, PeopleResult, generate_people

__all__ = ["PRIOR", "TRAINING_DATA", "TRAINING_SEED", "Training", "train_model"]

TRAINING_SEED = 20240601
TRAINING_DATA = PeopleConfig(
    registry=50000, roster=50000, on_registry=0.1, hard_negatives=0.05, seed=TRAINING_SEED
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

    data: PeopleConfig = TRAINING_DATA
    u_pairs: float = 2e7
    u_seed: int = 7
    prior: float = PRIOR


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


def train_model(out: Path | None = MODEL_PATH, training: Training = Training()) -> dict[str, Any]:
    """Estimate u by random sampling and m from the true matches; save and return the model."""
    people = generate_people(training.data)
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
    finally:
        engine.close()
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
