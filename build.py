"""Build this repository's demo site: python build.py [COMMAND] [OPTIONS]."""

from newsdigest.cli import main

raise SystemExit(main())
