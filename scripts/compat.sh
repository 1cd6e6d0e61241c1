#!/bin/sh
# Differential compatibility test: ferrokv vs a real redis-server. See compat.py --help.
exec python3 "$(dirname "$0")/compat.py" "$@"
