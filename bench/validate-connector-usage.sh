#!/usr/bin/env bash
# validate-connector-usage.sh — RECONSTRUCTION, for bench/speed.ts only.
#
# The database-connector policy this project enforces ships a grep check, scripts/validate-connector-usage.sh.
# That script is not in this repository; this file rebuilds its logic from the policy's description:
# grep -rn over every *.py file below ROOT for the patterns the policy bans outside the connector, print
# each hit, exit 1 if there is any. It is written to be as fast and as blunt as the original: no parsing,
# no allow-list except the connector module itself, no notion of comments, strings or scopes.
#
#   bench/validate-connector-usage.sh [ROOT]     (default: .)
#
# Exit: 0 no hits, 1 hits (printed as file:line:text), 2 usage error.
set -u
ROOT="${1:-.}"
if [ ! -d "$ROOT" ]; then
  echo "validate-connector-usage: $ROOT is not a folder" >&2
  exit 2
fi

# The connector (the one module allowed to create engines and sessions) is not checked.
CONNECTOR_GLOB='database.py'

status=0
check() {
  local label="$1" pattern="$2"
  local hits
  hits=$(grep -rnE --include='*.py' --exclude="$CONNECTOR_GLOB" --exclude-dir='.git' \
    --exclude-dir='.venv' --exclude-dir='venv' --exclude-dir='__pycache__' -- "$pattern" "$ROOT")
  if [ -n "$hits" ]; then
    echo "ERROR: $label"
    echo "$hits"
    status=1
  fi
}

check "SessionLocal used outside the connector" 'SessionLocal'
check "engine imported from the database module" 'from .*database import .*engine'
check "Session constructed directly" 'Session\('
check "legacy Query API (.query)" '\.query\('
check "raw psycopg2 connection" 'psycopg2\.connect'
check "sync endpoint with Depends(get_db)" '^def .*Depends\(get_db'

if [ "$status" -ne 0 ]; then
  echo "validate-connector-usage: violations found" >&2
fi
exit "$status"
