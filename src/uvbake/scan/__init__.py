"""The scan stage: reads a member's code and the repository's infrastructure declarations,
once, into frozen records that planning decides from without touching the disk."""
