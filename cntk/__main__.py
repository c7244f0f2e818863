"""``python -m cntk info MODEL``: inspect CNTK model files without CNTK."""
import sys

from cntk._serialization.info import main

if __name__ == "__main__":
    sys.exit(main())
