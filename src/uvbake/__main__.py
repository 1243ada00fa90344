import sys

from uvbake.cli import main

sys.exit(main())
