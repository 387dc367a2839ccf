import sys

from clerkdesk.tui.__main__ import main

sys.exit(main())
