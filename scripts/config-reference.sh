#!/usr/bin/env bash
# Regenerates docs/configuration.md from the services' configuration definitions.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
{
  echo "# Configuration reference"
  echo
  echo "Generated from the services' configuration definitions (one place per service) with"
  echo '`./glimpse <service> --config-reference`; every key can be given as `-c key=value`. Regenerate with `scripts/config-reference.sh`.'
  for c in ingest inference monitoring training; do
    echo; echo "## $c"; echo
    ./glimpse "$c" --config-reference 2>/dev/null
  done
} > docs/configuration.md
