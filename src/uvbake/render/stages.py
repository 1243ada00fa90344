"""A Dockerfile's stages, each with a digest of everything it is built from: its own lines and
the digests of the stages it names (FROM, --from=). Two Dockerfiles give a stage the same
digest when it would be built the same way, whatever the stage names; `uvbake affected` uses
it to tell which images a change of the generated Dockerfile reaches."""

from __future__ import annotations

import hashlib
import re

FROM = re.compile(r"^FROM (?:--platform=\S+ )?(?P<base>\S+)(?: AS (?P<name>\S+))?$")
NAMED = re.compile(r"--from=(\S+)")


def stage_digests(dockerfile: str) -> dict[str, str]:
    """Stage name -> digest. Comment lines do not count; the global ARGs count for all."""
    preamble: list[str] = []
    stages: dict[str, list[str]] = {}
    order: list[str] = []
    current: list[str] | None = None
    for line in dockerfile.splitlines():
        found = FROM.match(line)
        if found:
            name = found.group("name") or f"#{len(order)}"
            current = stages[name] = [f"FROM {found.group('base')}", *preamble]
            order.append(name)
        elif line.startswith("#") or not line.strip():
            continue
        elif current is None:
            preamble.append(line)
        else:
            current.append(line)
    digests: dict[str, str] = {}

    def digest(name: str) -> str:
        if name not in digests:
            digests[name] = ""  # a stage that names itself in a loop
            text = "\n".join(stages[name])
            refs = {m for m in NAMED.findall(text)} | {stages[name][0].split()[1]}
            for ref in sorted(r for r in refs if r in stages and r != name):
                text = re.sub(rf"(?<=[= ]){re.escape(ref)}(?=\s|$)", digest(ref), text)
            digests[name] = hashlib.sha256(text.encode()).hexdigest()
        return digests[name]

    return {name: digest(name) for name in order}
