"""`python -m kerasbook`: list the chapters, or run one (see `kerasbook.book`)."""

import sys

from kerasbook.book import main

if __name__ == "__main__":
    sys.exit(main())
