"""``python -m cntk``: info MODEL, convert-csv, train and predict (see ``python -m cntk --help``)."""
import sys

from cntk._cli import main

if __name__ == "__main__":
    sys.exit(main())
