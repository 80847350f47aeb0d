import sys

from archrank.cli import main

sys.exit(main())
