"""`uvbake list --layers`: each image's third-party layers, their packages and estimated
bytes (the locked wheel sizes), before anything is built."""

from __future__ import annotations

from typing import Any

from uvbake.plan.records import Plan


def describe(plan: Plan) -> dict[str, Any]:
    """Per image its layers; totals over all images, over distinct layers, and the lower
    bound where every distinct package is stored once."""
    layers = {
        layer.name: {
            "services": list(layer.services),
            "target": layer.target.label,
            "cross": layer.cross,
            "bytes": layer.size,
            "packages": [
                {"name": p.name, "version": p.version, "bytes": p.size} for p in layer.pins
            ],
        }
        for layer in plan.layers
    }
    images = {s.name: [layer.name for layer in s.layers] for s in plan.services}
    distinct = {
        (layer.target.label, p.name, p.version): p.size for layer in plan.layers for p in layer.pins
    }
    return {
        "images": images,
        "layers": layers,
        "total_bytes": sum(layers[n]["bytes"] for names in images.values() for n in names),
        "unique_bytes": sum(layer["bytes"] for layer in layers.values()),
        "lower_bound_bytes": sum(distinct.values()),
        "min_shared_layer_kb": plan.workspace.settings.min_shared_layer_kb,
        "max_layers": plan.workspace.settings.max_layers,
    }


def size_text(count: int) -> str:
    for unit, scale in (("MB", 1_000_000), ("kB", 1_000)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} B"


def text(data: dict[str, Any]) -> str:
    lines = ["layers (bytes estimated from the locked wheel sizes):"]
    for image, names in data["images"].items():
        lines.append(f"  {image}:")
        for name in names:
            layer = data["layers"][name]
            how = "" if layer["cross"] else ", installed on the target platform"
            packages = ", ".join(f"{p['name']}=={p['version']}" for p in layer["packages"])
            shared = len(layer["services"])
            size = size_text(layer["bytes"])
            lines.append(f"    {name:<16} {size:>9}  shared by {shared}{how}: {packages}")
    lines.append(
        f"total {size_text(data['total_bytes'])} in all images; unique "
        f"{size_text(data['unique_bytes'])}; lower bound (each package once) "
        f"{size_text(data['lower_bound_bytes'])}"
    )
    lines.append(
        f"a group shared by several images gets a layer from {data['min_shared_layer_kb']} kB "
        "(min-shared-layer-kb), else it is in each one's own layer; "
        f"at most {data['max_layers']} per image (max-layers)"
    )
    return "\n".join(lines) + "\n"
