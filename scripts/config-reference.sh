#!/usr/bin/env bash
# Regenerates docs/configuration.md from the services' configuration definitions.
# Uses the built launcher (launcher/target/glimpse.jar) when present, else ./glimpse (which builds what is missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ -f launcher/target/glimpse.jar ]]; then
  glimpse() { java -jar launcher/target/glimpse.jar "$@"; }
else
  glimpse() { ./glimpse "$@"; }
fi
{
  echo "# Configuration reference"
  echo
  echo "Generated from the services' configuration definitions (one place per service) with"
  echo '`./glimpse <service> --config-reference`. Regenerate with `scripts/config-reference.sh`.'
  echo
  echo "## Where values come from"
  echo
  echo "Every service command reads its keys from these sources; a source overrides the ones above it:"
  echo
  echo "1. the default in the tables below (some commands derive one, e.g. \`inference.model\` from \`--dataset\`);"
  echo '2. a Java properties file: `--config FILE` (an unknown key or a bad value is an error naming the file and the key);'
  echo '3. environment variables `GLIMPSE_<KEY>`, the key in upper snake case (`metrics.port` → `GLIMPSE_METRICS_PORT`);'
  echo '   other `GLIMPSE_` variables (`GLIMPSE_JAVA_OPTS`, another service'"'"'s keys) are ignored;'
  echo '4. `-c key=value` (repeatable);'
  echo '5. the command'"'"'s own flags (`--metrics-port`, `--rate`, ...), only when typed: a flag'"'"'s default never'
  echo '   overrides a value from 2-4.'
  echo
  echo 'Further variables read: `GLIMPSE_TOKEN` (`auth.token`) and `GLIMPSE_READ_TOKEN` (`auth.read.token`) by every'
  echo 'service with write endpoints; `GLIMPSE_API_TOKEN` / `GLIMPSE_API_READ_TOKEN` (the same two keys) by `./glimpse training`;'
  echo 'the variable named by `--console-token-env` (default `GLIMPSE_CONSOLE_TOKEN`; `auth.token`) by `./glimpse explain-worker`.'
  for c in ingest inference explain-worker training monitoring; do
    echo; echo "## $c"; echo
    glimpse "$c" --config-reference 2>/dev/null
  done
} > docs/configuration.md
