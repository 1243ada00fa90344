"""Third-party pins grouped into image layers: each group holds the pins needed by exactly the
same set of services (for one target and one way of installing), so it is installed once and
its layer has one digest in every image that needs it.

A layer is not free: every bake of an image checks each of its layers again, cached or not
(measured on dockerd 26 loading images into its store: about 45 ms per layer per image, the
same with or without --link), while a shared layer saves only its own bytes in a registry.
So a shared group under `min_shared` bytes (setting min-shared-layer-kb) is folded into each
of its images' own layer, and `max-layers` caps the layers of one image: its cost stays the
same whatever the number of services."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from uvbake.load.records import Index
from uvbake.names import layer_stage
from uvbake.plan.wheels import Pin, Target


@dataclass(frozen=True)
class Layer:
    """Pins installed together into one layer. `cross`: installed on the build machine."""

    name: str
    target: Target
    cross: bool
    pins: tuple[Pin, ...]
    services: tuple[str, ...]
    # The package indexes other than PyPI that installing the pins queries.
    indexes: tuple[Index, ...] = ()

    @property
    def size(self) -> int:
        """Bytes estimated from the locked wheel (or sdist) sizes."""
        return sum(p.size for p in self.pins)


@dataclass(frozen=True)
class _Part:
    target: Target
    cross: bool
    services: frozenset[str]
    pins: tuple[Pin, ...]

    @property
    def size(self) -> int:
        return sum(p.size for p in self.pins)

    def key(self) -> tuple[int, tuple[str, ...], bool, str, str, str]:
        """Most widely shared first, then by name: the order of layers in every image."""
        t = self.target
        return (-len(self.services), tuple(sorted(self.services)), not self.cross, *_tkey(t))


def _tkey(target: Target) -> tuple[str, str, str]:
    return (target.platform, target.python, target.glibc)


def partition(
    needs: Mapping[str, tuple[Target, Sequence[Pin]]],
    *,
    max_layers: int,
    min_shared: int,
) -> tuple[tuple[Layer, ...], dict[str, tuple[Layer, ...]]]:
    """All layers, and each service's layers in image order.

    `needs` maps a service to its target and pins. A group shared by several services but
    smaller than `min_shared` estimated bytes joins each of their own layers. An image with
    more than `max_layers` third-party layers then gets its smallest layers (by estimated
    bytes, then name) merged into one of its own, for each way of installing that they use."""
    owners: dict[tuple[tuple[str, str, str], str, str, bool], set[str]] = {}
    pins: dict[tuple[tuple[str, str, str], str, str, bool], tuple[Target, Pin]] = {}
    for service, (target, service_pins) in needs.items():
        for p in service_pins:
            key = (_tkey(target), p.name, p.version, p.cross)
            owners.setdefault(key, set()).add(service)
            pins[key] = (target, p)
    grouped: dict[tuple[tuple[str, str, str], bool, frozenset[str]], list[Pin]] = {}
    targets: dict[tuple[str, str, str], Target] = {}
    for key in sorted(owners):
        target, p = pins[key]
        targets[_tkey(target)] = target
        group = (_tkey(target), p.cross, frozenset(owners[key]))
        grouped.setdefault(group, []).append(p)
    parts = [
        _Part(targets[t], cross, services, tuple(found))
        for (t, cross, services), found in grouped.items()
    ]
    per_service = {s: sorted((p for p in parts if s in p.services), key=_Part.key) for s in needs}
    for service, own in per_service.items():
        folded = _merged(service, own, [p for p in own if p.size < min_shared or _own(p)])
        per_service[service] = _capped(service, folded, max_layers=max_layers)
    # Parts that came out the same for several images (their shared groups folded alike) are
    # one layer, installed once.
    alike: dict[tuple[tuple[str, str, str], bool, tuple[Pin, ...]], frozenset[str]] = {}
    for own in per_service.values():
        for part in own:
            same = (_tkey(part.target), part.cross, part.pins)
            alike[same] = alike.get(same, frozenset()) | part.services
    per_service = {
        service: sorted(
            (
                _Part(p.target, p.cross, alike[(_tkey(p.target), p.cross, p.pins)], p.pins)
                for p in own
            ),
            key=_Part.key,
        )
        for service, own in per_service.items()
    }
    used = sorted({p for own in per_service.values() for p in own}, key=_Part.key)
    names = {part: layer_stage(n) for n, part in enumerate(used, start=1)}
    layers = {
        part: Layer(
            name=names[part],
            target=part.target,
            cross=part.cross,
            pins=part.pins,
            services=tuple(sorted(part.services)),
        )
        for part in used
    }
    return (
        tuple(layers[p] for p in used),
        {s: tuple(layers[p] for p in own) for s, own in per_service.items()},
    )


def _capped(service: str, parts: list[_Part], *, max_layers: int) -> list[_Part]:
    if len(parts) <= max_layers:
        return parts
    by_size = sorted(parts, key=lambda p: (p.size, p.key()))
    merged = by_size
    for count in range(2, len(parts) + 1):
        merged = by_size[:count]
        if len(parts) - count + len({p.cross for p in merged}) <= max_layers:
            break
    return _merged(service, parts, merged)


def _own(part: _Part) -> bool:
    return len(part.services) == 1


def _merged(service: str, parts: list[_Part], merged: list[_Part]) -> list[_Part]:
    """`parts` with those in `merged` joined into one part of the service's own for each way
    of installing."""
    kept = [p for p in parts if p not in merged]
    for cross in sorted({p.cross for p in merged}, reverse=True):
        group = [p for p in merged if p.cross is cross]
        pins = tuple(sorted((pin for p in group for pin in p.pins), key=lambda x: x.name))
        kept.append(_Part(group[0].target, cross, frozenset({service}), pins))
    return sorted(kept, key=_Part.key)
