"""`uvbake list --format mermaid`: which image gets which layer, as a Mermaid flowchart
(GitHub renders a ```mermaid block). Third-party layers and workspace libraries at the top,
an arrow from each to every image that holds it, the base images at the bottom."""

from __future__ import annotations

from uvbake.plan.layers import Layer
from uvbake.plan.records import LibraryPlan, Plan, ServicePlan
from uvbake.report.layers import size_text

# Packages named in a layer's box, the biggest first; the rest are counted.
SHOWN_PACKAGES = 4


def flowchart(plan: Plan) -> str:
    """The plan as Mermaid flowchart text. Node ids are positional (L1, W1, I1, D1, B1), so
    no name has to be a valid id."""
    default_platform = plan.workspace.settings.platform
    layers = {layer.name: f"L{n}" for n, layer in enumerate(plan.layers, 1)}
    libraries = {lib.member.name: f"W{n}" for n, lib in enumerate(plan.shipped, 1)}
    bases = {
        b: f"B{n}" for n, b in enumerate(dict.fromkeys(_base(plan, s) for s in plan.services), 1)
    }
    dockerfiles = {
        s.name: f"D{n}" for n, s in enumerate((s for s in plan.services if s.base_dockerfile), 1)
    }
    images = [
        (f"I{n}", service, target, handler)
        for n, (service, target, handler) in enumerate(
            ((s, t, h) for s in plan.services for t, h in s.targets), 1
        )
    ]

    lines = ["flowchart TB"]
    if plan.no_service is not None:
        lines.append(f"  %% {plan.no_service.line()}")
    lines += [f'  {layers[layer.name]}["{_layer_label(layer)}"]' for layer in plan.layers]
    lines += [f'  {libraries[lib.member.name]}(["{_library_label(lib)}"])' for lib in plan.shipped]
    for node, service, target, handler in images:
        platform = [service.platform] if service.platform != default_platform else []
        lines.append(f'  {node}[["{label(target, handler, *platform)}"]]')
    for service in plan.services:
        if service.base_dockerfile is not None:
            lines.append(f'  {dockerfiles[service.name]}[/"{label(service.base_dockerfile)}"\\]')
    lines += [f'  {node}[/"{label(base)}"\\]' for base, node in bases.items()]
    for node, service, _, _ in images:
        lines += [f"  {layers[layer.name]} --> {node}" for layer in service.layers]
        lines += [f"  {libraries[lib.member.name]} --> {node}" for lib in service.libraries]
    for node, service, _, _ in images:
        below = dockerfiles.get(service.name, bases[_base(plan, service)])
        lines.append(f"  {node} -.- {below}")
    for service in plan.services:
        if service.name in dockerfiles:
            lines.append(f"  {dockerfiles[service.name]} -.- {bases[_base(plan, service)]}")
    return "\n".join(lines) + "\n"


def _base(plan: Plan, service: ServicePlan) -> str:
    return service.base_image or plan.workspace.settings.base_image


def _layer_label(layer: Layer) -> str:
    biggest = sorted(layer.pins, key=lambda p: (-p.size, p.name))
    names = ", ".join(p.name for p in biggest[:SHOWN_PACKAGES])
    if len(biggest) > SHOWN_PACKAGES:
        names += f" and {len(biggest) - SHOWN_PACKAGES} more"
    emulated = [] if layer.cross else [f"installed on {layer.target.platform}"]
    return label(f"{layer.name} ({size_text(layer.size)})", names, *emulated)


def _library_label(lib: LibraryPlan) -> str:
    kind = "" if lib.kind == "workspace member" else f" ({lib.kind})"
    return label(lib.member.name, f"{lib.folder}{kind}")


def label(*lines: str) -> str:
    """Lines of a quoted Mermaid label: quotes, '#' and angle brackets as entity codes, the
    lines joined with <br/>."""
    codes = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;"}
    return "<br/>".join("".join(codes.get(c, c) for c in line) for line in lines)
