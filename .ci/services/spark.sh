# Apache Spark on 127.0.0.1 for the Spark Connect tests (issue 15): OpenJDK 17 (Debian) and
# PySpark 4.0.x (PyPI, cached by pip; its wheel ships Spark's jars, the Spark Connect server's
# included). Two Spark Connect servers, each its own JVM started in the foreground of a
# background job (the PID recorded is the JVM's, not a daemon script's):
#   - LAKEGATE_SPARK_URL: a local[2] server (driver and executors in one JVM);
#   - LAKEGATE_SPARK_CLUSTER_URL: a server whose master is a standalone master + one worker on
#     loopback, so its queries are real distributed jobs (driver -> master -> worker ->
#     executor JVM).
# Sourced by .ci/run (needs need_deb, free_port, wait_port, SERVICES_DIR, SERVICE_PIDS).
# By hand: `SERVICES_DIR=$(mktemp -d) SERVICE_PIDS=(); source .ci/run-helpers; source .ci/services/spark.sh`
# or see README (Spark).

spark_java_home() {
  local d
  for d in /usr/lib/jvm/java-17-openjdk-*; do
    if [ -x "$d/bin/java" ]; then echo "$d"; return 0; fi
  done
}

spark_start() {
  local java_home
  java_home=$(spark_java_home || true)
  if [ -z "$java_home" ]; then
    need_deb openjdk-17-jre-headless
    java_home=$(spark_java_home || true)
    [ -n "$java_home" ] || { echo "spark: no Java 17 in /usr/lib/jvm after installing openjdk-17-jre-headless" >&2; return 1; }
  fi
  if ! python3 -c 'import sys, pyspark; sys.exit(not pyspark.__version__.startswith("4.0."))' 2>/dev/null; then
    python3 -m pip install -q --disable-pip-version-check 'pyspark==4.0.*'
  fi
  local home
  home=$(python3 -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')
  if ! ls "$home"/jars/spark-connect_*.jar >/dev/null 2>&1; then
    echo "spark: no Spark Connect server jar in $home/jars" >&2
    return 1
  fi
  export SPARK_HOME=$home JAVA_HOME=$java_home
  # Small JVMs: the machine has 2 cores, and the build runs beside them.
  export SPARK_LOCAL_IP=127.0.0.1 SPARK_LOCAL_HOSTNAME=localhost
  local dir="$SERVICES_DIR/spark"
  mkdir -p "$dir"

  # Standalone master + one worker (1 core, 1 GiB for executors).
  local mport wport
  mport=$(free_port)
  # SPARK_DAEMON_MEMORY: the master's and worker's own heaps (Spark also gives it to a Connect
  # server, which needs more: set here only).
  (cd "$dir" && SPARK_DAEMON_MEMORY=256m exec "$home/bin/spark-class" org.apache.spark.deploy.master.Master --host 127.0.0.1 \
    --port "$mport" --webui-port "$(free_port)") >"$dir/master.log" 2>&1 &
  SERVICE_PIDS+=($!)
  wport=$(free_port)
  mkdir -p "$dir/worker"
  (cd "$dir" && SPARK_DAEMON_MEMORY=256m SPARK_WORKER_DIR="$dir/worker" exec "$home/bin/spark-class" org.apache.spark.deploy.worker.Worker \
    --host 127.0.0.1 --port "$wport" --webui-port "$(free_port)" --cores 1 --memory 1g \
    "spark://127.0.0.1:$mport") >"$dir/worker.log" 2>&1 &
  SERVICE_PIDS+=($!)

  local port cport
  port=$(free_port)
  # A response stream is closed after 5 s (Spark's default: 2 min) and the client reattaches:
  # every test query longer than that goes through the reattach path.
  spark_connect_server local "$port" 'local[2]' \
    --conf spark.connect.execute.reattachable.senderMaxStreamDuration=5s
  cport=$(free_port)
  spark_connect_server cluster "$cport" "spark://127.0.0.1:$mport" \
    --conf spark.executor.memory=512m --conf spark.cores.max=1 --conf spark.executor.cores=1

  local started=$SECONDS
  wait_port "$port" 180
  wait_port "$cport" 180
  export LAKEGATE_SPARK_URL="sc://127.0.0.1:$port" LAKEGATE_SPARK_CLUSTER_URL="sc://127.0.0.1:$cport"
  echo "spark: $LAKEGATE_SPARK_URL (local[2]) and $LAKEGATE_SPARK_CLUSTER_URL (master spark://127.0.0.1:$mport," \
    "one worker) up in $((SECONDS - started))s; logs in $dir" >&2
}

# A Spark Connect server named $1 on 127.0.0.1:$2 with master $3 (more spark-submit options after).
spark_connect_server() {
  local name=$1 port=$2 master=$3
  shift 3
  local dir="$SERVICES_DIR/spark/$name"
  mkdir -p "$dir/tmp"
  # Jobs of the default pool share the executors (FIFO would queue a quick query behind a
  # long one: the tests run in parallel).
  cat >"$dir/fairscheduler.xml" <<'XML'
<allocations><pool name="default"><schedulingMode>FAIR</schedulingMode><weight>1</weight><minShare>0</minShare></pool></allocations>
XML
  # spark-submit execs spark-class, which execs the JVM: $! is the server's own PID. Its
  # working folder holds whatever Spark writes (spark-warehouse, temporary files).
  (cd "$dir" && exec "$SPARK_HOME/bin/spark-submit" \
    --class org.apache.spark.sql.connect.service.SparkConnectServer \
    --name "lakegate-$name" --master "$master" --driver-memory 1g \
    --conf spark.connect.grpc.binding.address=127.0.0.1 \
    --conf "spark.connect.grpc.binding.port=$port" \
    --conf spark.driver.host=127.0.0.1 --conf spark.driver.bindAddress=127.0.0.1 \
    --conf spark.ui.enabled=false \
    --conf spark.sql.catalogImplementation=in-memory \
    --conf spark.sql.shuffle.partitions=2 \
    --conf spark.scheduler.mode=FAIR \
    --conf "spark.scheduler.allocation.file=$dir/fairscheduler.xml" \
    --conf "spark.local.dir=$dir/tmp" \
    --conf "spark.sql.warehouse.dir=$dir/warehouse" \
    "$@") >"$dir/server.log" 2>&1 &
  SERVICE_PIDS+=($!)
}

spark_start
