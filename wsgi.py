"""Entry point for gunicorn: `gunicorn wsgi:app`."""

import sys

from app import create_app
from config import ConfigError

try:
    app = create_app()
except ConfigError as error:
    # A clear line on stderr and a non-zero exit rather than a traceback.
    print(f"Front Door cannot start: {error}", file=sys.stderr)
    sys.exit(3)
