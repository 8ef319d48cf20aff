#!/bin/bash
# Starts one KRaft node configured from KAFKA_* variables, as the apache/kafka image does:
# KAFKA_LOG_DIRS=/x becomes log.dirs=/x; '___' stands for '-' and '__' for '_'.
set -euo pipefail
conf=/tmp/kafka
mkdir -p "$conf"
{
  while IFS='=' read -r name value; do
    case "$name" in
      KAFKA_HEAP_OPTS | KAFKA_OPTS | KAFKA_JVM_OPTS) continue ;;
      KAFKA_*)
        key="${name#KAFKA_}"
        key="${key,,}"
        key="${key//___/-}"
        key="${key//__/@}"
        key="${key//_/.}"
        key="${key//@/_}"
        printf '%s=%s\n' "$key" "$value"
        ;;
    esac
  done < <(env)
} > "$conf/server.properties"
printf 'log4j.rootLogger=INFO, stdout\nlog4j.appender.stdout=org.apache.log4j.ConsoleAppender\nlog4j.appender.stdout.layout=org.apache.log4j.PatternLayout\nlog4j.appender.stdout.layout.ConversionPattern=[%%d] %%p %%m (%%c)%%n\nlog4j.logger.kafka.request.logger=WARN\nlog4j.logger.state.change.logger=WARN\n' > "$conf/log4j.properties"
log_dirs="$(sed -n 's/^log\.dirs=//p' "$conf/server.properties")"
java_opts=(${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g} -XX:+UseG1GC -Djava.awt.headless=true "-Dlog4j.configuration=file:$conf/log4j.properties")
if [ ! -f "${log_dirs%%,*}/meta.properties" ]; then
  java "${java_opts[@]}" -cp '/opt/kafka/libs/*' kafka.tools.StorageTool format \
    -t "${CLUSTER_ID:?set CLUSTER_ID to format the storage}" -c "$conf/server.properties"
fi
exec java "${java_opts[@]}" -cp '/opt/kafka/libs/*' kafka.Kafka "$conf/server.properties"
