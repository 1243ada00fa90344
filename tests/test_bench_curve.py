"""bake/bench/curve.py's report: the table of sizes and the cost per added service, from
results given here (the measuring itself needs the engine and minutes per size)."""

from __future__ import annotations

from pathlib import Path

import curve
import run

README = Path(__file__).resolve().parents[1] / "README.md"


def _size(services: int, seconds: dict[tuple[str, str], float]) -> curve.Size:
    return curve.Size(
        services=services,
        results={
            key: run.Result(
                scenario=key[0],
                pipeline=key[1],
                seconds=value,
                executed=0,
                cached=0,
                solved=10 * services if key[1] == "seed" else 8 * services,
            )
            for key, value in seconds.items()
        },
    )


def _seconds(
    noop: tuple[float, float], edit: tuple[float, float], cold: tuple[float, float]
) -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = {}
    for scenario, (seed, uvbake) in (
        ("no-op", noop),
        ("code edit, one service", edit),
        ("cold", cold),
    ):
        out[scenario, "seed"] = seed
        out[scenario, "uvbake"] = uvbake
    return out


def test_the_table_has_a_row_per_size_and_the_cost_per_added_service() -> None:
    sizes = [
        _size(3, _seconds((1.0, 0.9), (1.2, 1.5), (40.0, 6.0))),
        _size(30, _seconds((11.8, 10.9), (9.6, 12.0), (500.0, 25.0))),
    ]
    text = curve.table(sizes, libs=1, repeats=3, machine="a machine")
    lines = text.splitlines()
    assert lines[4:6] == [
        "| 3 | 1.0 s | 0.9 s | 0.90 | 1.2 s | 1.5 s | 1.25 | 40.0 s | 6.0 s | 0.15 | 30 / 24 |",
        "| 30 | 11.8 s | 10.9 s | 0.92 | 9.6 s | 12.0 s | 1.25 | 500.0 s | 25.0 s | 0.05 | "
        "300 / 240 |",
    ]
    assert lines[-1] == (
        "No-op cost per added service, from 3 to 30 services: seed 400 ms, uvbake 370 ms."
    )
    assert lines[0].startswith("Measured ") and "on a machine." in lines[0]


def test_readme_holds_the_curve_between_its_markers() -> None:
    text = README.read_text(encoding="utf-8")
    start, end = text.index(curve.README_START), text.index(curve.README_END)
    inside = text[start:end]
    assert "| services | no-op, seed | no-op, uvbake |" in inside
    assert "No-op cost per added service" in inside
