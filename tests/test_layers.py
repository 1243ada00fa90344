"""Third-party pins grouped by the exact set of services that need them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from uvbake.names import layer_stage
from uvbake.plan.layers import partition
from uvbake.plan.wheels import Pin, Target

ARM = Target(platform="linux/arm64", python="3.13", glibc="2.34")
AMD = Target(platform="linux/amd64", python="3.13", glibc="2.34")


def p(name: str, *, size: int = 10, cross: bool = True, version: str = "1") -> Pin:
    return Pin(name, version, None, files=(), cross=cross, reason="", size=size)


def summary(layers: object) -> list[tuple[tuple[str, ...], list[str], bool]]:
    return [(x.services, [q.name for q in x.pins], x.cross) for x in layers]  # type: ignore[attr-defined]


def test_pins_are_grouped_by_who_needs_them_widest_first() -> None:
    layers, images = partition(
        {
            "a": (ARM, [p("core"), p("ab"), p("only-a")]),
            "b": (ARM, [p("core"), p("ab"), p("bc")]),
            "c": (ARM, [p("core"), p("bc"), p("sdist", cross=False)]),
        },
        max_layers=16,
        min_shared=0,
    )
    assert summary(layers) == [
        (("a", "b", "c"), ["core"], True),
        (("a", "b"), ["ab"], True),
        (("b", "c"), ["bc"], True),
        (("a",), ["only-a"], True),
        (("c",), ["sdist"], False),
    ]
    assert [x.name for x in layers] == [layer_stage(n) for n in range(1, 6)]
    assert {s: [x.name for x in found] for s, found in images.items()} == {
        "a": ["uvbake.layer-1", "uvbake.layer-2", "uvbake.layer-4"],
        "b": ["uvbake.layer-1", "uvbake.layer-2", "uvbake.layer-3"],
        "c": ["uvbake.layer-1", "uvbake.layer-3", "uvbake.layer-5"],
    }


def test_targets_and_versions_never_share_a_layer() -> None:
    layers, _ = partition(
        {
            "arm": (ARM, [p("orjson"), p("six")]),
            "amd": (AMD, [p("orjson"), p("six", version="2")]),
        },
        max_layers=16,
        min_shared=0,
    )
    assert sorted((x.target.platform, x.services, [q.name for q in x.pins]) for x in layers) == [
        ("linux/amd64", ("amd",), ["orjson", "six"]),
        ("linux/arm64", ("arm",), ["orjson", "six"]),
    ]


def test_past_the_cap_an_images_smallest_layers_merge_into_one_of_its_own() -> None:
    needs = {
        "a": (ARM, [p("big", size=900), p("x", size=1), p("y", size=2), p("z", size=3)]),
        "b": (ARM, [p("big", size=900), p("x", size=1)]),
        "c": (ARM, [p("big", size=900), p("y", size=2)]),
        "d": (ARM, [p("big", size=900), p("z", size=3)]),
    }
    layers, images = partition(needs, max_layers=2, min_shared=0)
    a = images["a"]
    assert [(x.services, [q.name for q in x.pins]) for x in a] == [
        (("a", "b", "c", "d"), ["big"]),
        (("a",), ["x", "y", "z"]),
    ]
    # the other images keep the shared layers, with the same names and contents
    assert [x.services for x in images["b"]] == [("a", "b", "c", "d"), ("a", "b")]
    assert partition(needs, max_layers=2, min_shared=0) == (layers, images)


def test_a_small_shared_group_joins_each_images_own_layer() -> None:
    needs = {
        "a": (ARM, [p("pandas", size=40_000_000), p("six", size=11_000), p("own-a", size=5)]),
        "b": (ARM, [p("pandas", size=40_000_000), p("six", size=11_000)]),
        "c": (ARM, [p("six", size=11_000), p("late", size=2, cross=False)]),
    }
    layers, images = partition(needs, max_layers=16, min_shared=1_000_000)
    # b and c come out with the same own layer: it is one layer, installed once
    assert {s: summary(found) for s, found in images.items()} == {
        "a": [(("a", "b"), ["pandas"], True), (("a",), ["own-a", "six"], True)],
        "b": [(("a", "b"), ["pandas"], True), (("b", "c"), ["six"], True)],
        "c": [(("b", "c"), ["six"], True), (("c",), ["late"], False)],
    }
    assert len(layers) == 4
    # a group that large enough keeps its layer, shared
    _, kept = partition(needs, max_layers=16, min_shared=10_000)
    assert summary(kept["c"])[0] == (("a", "b", "c"), ["six"], True)


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["s1", "s2", "s3", "s4", "s5"]),
        st.sets(st.sampled_from([f"p{n}" for n in range(12)]), min_size=1),
        min_size=1,
    ),
    st.integers(min_value=2, max_value=6),
    st.sampled_from([0, 5, 100]),
)
def test_every_image_gets_exactly_its_pins(
    needs: dict[str, set[str]], cap: int, min_shared: int
) -> None:
    layers, images = partition(
        {
            s: (ARM, [p(n, size=int(n[1:]) + 1) for n in sorted(names)])
            for s, names in needs.items()
        },
        max_layers=cap,
        min_shared=min_shared,
    )
    for service, names in needs.items():
        got = [q.name for x in images[service] for q in x.pins]
        assert sorted(got) == sorted(names), service  # each pin once, nothing more
        assert len(images[service]) <= cap
        assert all(service in x.services for x in images[service])
    # no two layers install the same pins
    contents = [(x.target, x.cross, x.pins) for x in layers]
    assert len(contents) == len(set(contents))
    assert {x for found in images.values() for x in found} == set(layers)
