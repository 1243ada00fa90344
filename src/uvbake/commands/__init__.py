"""One module per command: each `run` function loads, plans, prints through a `Console` and
returns an exit code. The modules only one command needs are imported by that command's
module, so `generate` starts without them."""
