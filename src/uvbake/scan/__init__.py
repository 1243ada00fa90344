"""The scan stage: reads a member's code and the repository's infrastructure declarations,
once, into frozen records that planning decides from without touching the disk
(`scanner.scan`). The package itself imports nothing, so that a part of it (`facts`, which
generate's memory asks about one edited file) comes without the rest."""
