#!/bin/bash
# usage: scripts/measure-restart.sh [JAR] [DIR] [LABEL]   (defaults: launcher/target/glimpse.jar /tmp/glimpse-restart new)
# For an unbounded demo on one data dir: time until the first prediction is counted (ready), time from SIGTERM
# (what Ctrl-C triggers: the same JVM shutdown hook) to exit; for a fresh dir, a restart after a clean stop, and a
# restart after kill -9.
JAR=${1:-launcher/target/glimpse.jar}; D=${2:-/tmp/glimpse-restart}; L=${3:-new}
rm -rf $D
OPTS="--data-dir $D --http-port -1 --ingest-port -1 --metrics-port 0 --kafka-port 0 --explain-policy off"
ts() { date +%s.%N; }
run() { # $1 = name, $2 = term|kill
  err=/tmp/$L-$1.err
  java -Xmx2g -Xss16m -jar $JAR demo $OPTS > /tmp/$L-$1.out 2> $err &
  pid=$!
  s=$(ts)
  until grep -q "predictions [1-9]" $err 2>/dev/null; do sleep 0.1; if ! kill -0 $pid 2>/dev/null; then echo "$L $1: died"; return; fi; done
  r=$(ts)
  if [ "$2" = kill ]; then kill -9 $pid; wait $pid 2>/dev/null; echo "$L $1: ready after $(echo "$r - $s" | bc) s, then kill -9"; return; fi
  sleep 3
  k=$(ts)
  kill -TERM $pid
  wait $pid
  e=$(ts)
  echo "$L $1: ready after $(echo "$r - $s" | bc) s, exit $(echo "$e - $k" | bc) s after SIGTERM"
}
run fresh term
run restart term
run crash kill
run after-crash term
