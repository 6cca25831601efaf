#!/bin/bash
# kill -9 of ./glimpse demo --events 3000 at ~1,500 predictions, then the same command again on the same data dir;
# the second summary counts the whole run and ends with the predictions topic audited (lost, duplicated).
# usage: scripts/measure-crash-resume.sh [JAR]   (default: launcher/target/glimpse.jar)
JAR=${1:-launcher/target/glimpse.jar}; D=/tmp/glimpse-crash-resume
rm -rf $D
CMD="java -Xmx2g -Xss16m -jar $JAR demo --events 3000 --data-dir $D --http-port -1 --ingest-port -1 --metrics-port 0 --kafka-port 0"
$CMD > /tmp/k9-1.out 2> /tmp/k9-1.err &
pid=$!
until tr '\r' '\n' < /tmp/k9-1.err | grep -qE "predictions (1[5-9][0-9][0-9]|[2-9][0-9][0-9][0-9])"; do sleep 0.1; kill -0 $pid || exit 1; done
kill -9 $pid; wait $pid 2>/dev/null
echo "killed at: $(tr '\r' '\n' < /tmp/k9-1.err | grep -o 'predictions [0-9]*' | tail -1)"
$CMD > /tmp/k9-2.out 2> /tmp/k9-2.err
echo "rerun exit $?"
cat /tmp/k9-2.out
tr '\r' '\n' < /tmp/k9-2.err | grep "resuming"
