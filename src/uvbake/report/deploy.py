"""The deploy hand-off: bake's metadata file (`docker buildx bake --push --metadata-file F`)
turned into each service and function target's pushed image, `registry/repository@sha256:...`,
in the formats deploy tools and GitHub Actions read. Pure: parsed JSON in, text out."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from uvbake.errors import UvbakeError
from uvbake.plan.records import Plan

FORMATS = ("json", "text", "github", "github-summary")
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
# Media types of a list of manifests: an image index, which Lambda does not take.
INDEX_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)
BAKE_HINT = "docker buildx bake --push --metadata-file FILE"


@dataclass(frozen=True)
class TargetOf:
    """What a bake target builds: a service's image, or one function's of a service."""

    service: str
    function: str | None


@dataclass(frozen=True)
class Image:
    """One target's pushed image."""

    target: str
    service: str
    function: str | None
    repository: str
    digest: str
    tags: tuple[str, ...]

    @property
    def reference(self) -> str:
        """The image by digest, as Lambda's ImageUri takes it."""
        return f"{self.repository}@{self.digest}"

    @property
    def name(self) -> str:
        """The repository's name in its registry (an ECR repository name)."""
        return repository_name(self.repository)


@dataclass(frozen=True)
class Images:
    """The images of the uvbake targets found in a metadata file, in the plan's order, and
    the other tagged targets it holds (not uvbake's: left out)."""

    images: tuple[Image, ...]
    ignored: tuple[str, ...]


def targets_of(plan: Plan) -> dict[str, TargetOf]:
    """Every image target of the bake file uvbake writes, in its order."""
    found: dict[str, TargetOf] = {}
    for service in plan.services:
        functions = [f.name for f in service.functions] or [None]
        for function, (target, _) in zip(functions, service.targets, strict=True):
            found[target] = TargetOf(service=service.name, function=function)
    return found


def repository_of(tag: str) -> str:
    """`registry/repository` of an image reference: what comes before its tag or digest."""
    name = tag.split("@", 1)[0]
    head, colon, tail = name.rpartition(":")
    return head if colon and "/" not in tail else name


def repository_name(repository: str) -> str:
    """`repository` without its registry: the first part of the path is a registry when it
    has a dot or a port, or is localhost, as docker reads references."""
    first, slash, rest = repository.partition("/")
    is_registry = "." in first or ":" in first or first == "localhost"
    return rest if slash and is_registry else repository


def images(
    metadata: object,
    *,
    targets: Mapping[str, TargetOf],
    source: str,
    partial: bool = False,
) -> Images:
    """The pushed image of each target in `targets` that `metadata` holds. Every target must
    be there, unless `partial`; then at least one."""
    if not isinstance(metadata, dict):
        raise UvbakeError(
            source,
            "is not a bake metadata file (a JSON object with one entry per target)",
            f"write it with `{BAKE_HINT}`",
        )
    found = tuple(
        _image(name, entry, of=of, source=source)
        for name, of in targets.items()
        if isinstance(entry := metadata.get(name), dict)
    )
    missing = [name for name in targets if not isinstance(metadata.get(name), dict)]
    if missing and (not partial or not found):
        raise _missing(source, missing=missing, partial=partial)
    ignored = tuple(
        name
        for name, entry in metadata.items()
        if name not in targets and isinstance(entry, dict) and entry.get("image.name")
    )
    return Images(images=found, ignored=ignored)


def _missing(source: str, *, missing: Sequence[str], partial: bool) -> UvbakeError:
    names = ", ".join(missing)
    if partial:
        return UvbakeError(
            source, f"has no image of any uvbake target ({names})", f"write it with `{BAKE_HINT}`"
        )
    return UvbakeError(
        source,
        f"has no image of the targets {names}",
        f"bake them too (`{BAKE_HINT}` builds every target), or pass --partial to list "
        "only the targets it has",
    )


def _image(name: str, entry: dict[str, Any], *, of: TargetOf, source: str) -> Image:
    digest = entry.get("containerimage.digest")
    if not isinstance(digest, str) or not DIGEST.fullmatch(digest):
        raise UvbakeError(
            source,
            f"target '{name}' has no image digest (containerimage.digest)",
            f"write it with `{BAKE_HINT}`",
        )
    descriptor = entry.get("containerimage.descriptor")
    media = descriptor.get("mediaType") if isinstance(descriptor, dict) else None
    if media in INDEX_TYPES:
        raise UvbakeError(
            source,
            f"target '{name}' is an image index ({media}), which Lambda does not take",
            "build one platform with attestations off, as the generated bake file does "
            "(no --provenance or --sbom)",
        )
    names = entry.get("image.name")
    tags = tuple(t.strip() for t in names.split(",") if t.strip()) if isinstance(names, str) else ()
    if not tags:
        raise UvbakeError(
            source,
            f"target '{name}' has no image name (image.name): it was built without a tag",
            "set REGISTRY (and TAG) for the bake, and push it with --push",
        )
    return Image(
        target=name,
        service=of.service,
        function=of.function,
        repository=repository_of(tags[0]),
        digest=digest,
        tags=tags,
    )


def as_data(found: Images) -> dict[str, dict[str, Any]]:
    return {
        i.target: {
            "service": i.service,
            "function": i.function,
            "image": i.reference,
            "repository": i.name,
            "digest": i.digest,
            "tags": list(i.tags),
        }
        for i in found.images
    }


def as_json(found: Images) -> str:
    return json.dumps(as_data(found), indent=2) + "\n"


def as_github_output(found: Images) -> str:
    """`images=<JSON on one line>` for $GITHUB_OUTPUT."""
    return "images=" + json.dumps(as_data(found), separators=(",", ":")) + "\n"


def as_text(found: Images) -> str:
    """One line per target: its name and its image by digest, in two columns."""
    width = max((len(i.target) for i in found.images), default=0)
    return "".join(f"{i.target:<{width}}  {i.reference}\n" for i in found.images)


def as_github_summary(found: Images) -> str:
    """A Markdown table for $GITHUB_STEP_SUMMARY."""
    rows = [
        "### Lambda images",
        "",
        "| target | service | function | image | tags |",
        "| --- | --- | --- | --- | --- |",
    ]
    for i in found.images:
        tags = "<br>".join(f"`{t}`" for t in i.tags)
        rows.append(
            f"| {i.target} | {i.service} | {i.function or '-'} | `{i.reference}` | {tags} |"
        )
    return "\n".join(rows) + "\n"


def render(found: Images, *, fmt: str) -> str:
    writers = {
        "json": as_json,
        "text": as_text,
        "github": as_github_output,
        "github-summary": as_github_summary,
    }
    if fmt not in writers:
        raise UvbakeError(
            "--format", f"{fmt!r} is not an images format", f"use {', '.join(FORMATS)}"
        )
    return writers[fmt](found)
