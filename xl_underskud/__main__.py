import sys

from xl_underskud.cli.main import main

sys.exit(main())
