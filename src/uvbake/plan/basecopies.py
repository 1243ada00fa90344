"""What the Lambda Python base images ship in site-packages, and where a service's own copy of
one of those distributions goes: /var/task, which the runtime searches before site-packages.

The Lambda Python images (3.12 and later) ship boto3, botocore and their dependencies in
/var/lang/lib/python3.X/site-packages. The runtime searches /var/task (the function's code)
first; later come the layers' folders under /opt and the interpreter's own entries,
site-packages among them, which from Python 3.11 also come before /var/runtime (AWS Lambda
Developer Guide, "Deploy Python Lambda functions with container images": a version of a
runtime-included library in /var/task "will take precedence over the version that's
included in the runtime").

The choice: a pin of such a distribution is installed into /var/task, beside the service's
code, by the same build-machine step as the rest of its layer. Nothing runs on the target
platform: an image that pins urllib3 (any `requests` user) or boto3 builds with no emulator.
`import urllib3` loads the pinned package, and importlib.metadata.version("urllib3") reads
the pinned .dist-info, because a distribution is looked up along sys.path and /var/task
comes first. A package of the base's copy never loads: a regular package's submodules are
looked up only in its own folder.

What it costs in bytes: nothing beyond the pinned copies, which every choice installs. The
base's copies stay in the image, hidden behind /var/task, in the base image's own layers
(stand-in base: urllib3 2.5.0 is 882,047 bytes; boto3, botocore and s3transfer 1.40.4 are
21,754,308). Those layers are the same in every image built on that base, so they are stored,
pushed and pulled once. Removing the base's copies would not free those bytes either: a
deletion in a later layer only hides files of an earlier one, and only a RUN step in the
image's own stage chain records one, a step that runs on the target platform (the step this
replaces: one layer of 15 whiteouts, 14,336 bytes as a tar, for boto3 and its dependencies).
A site-packages tree rebuilt on the build machine and copied over the base's would merge with
it instead of replacing it, leaving the base's files and .dist-info beside the pinned ones.
Measured on one service pinning boto3 1.40.0 and requests: the image is 18,432 bytes smaller
(uncompressed layers) than with the removal step. The one trace of the base's copy left
visible: iterating importlib.metadata.distributions() also yields its .dist-info, after the
pinned one.
"""

from __future__ import annotations

from collections.abc import Iterable

from uvbake import runtime
from uvbake.plan.wheels import Pin

BASE_DISTRIBUTIONS = runtime.BASE_DISTRIBUTIONS
TASK_ROOT = runtime.TASK_ROOT


def shipped(name: str) -> bool:
    """Whether the base image ships the distribution `name` in site-packages."""
    return name in BASE_DISTRIBUTIONS


def split(pins: Iterable[Pin]) -> tuple[tuple[Pin, ...], tuple[Pin, ...]]:
    """(pins installed into site-packages, pins installed into /var/task ahead of the base's
    copies), each in the given order."""
    listed = tuple(pins)
    return (
        tuple(p for p in listed if not shipped(p.name)),
        tuple(p for p in listed if shipped(p.name)),
    )
