#!/usr/bin/env bash
# Local test services for EnforceAI, without Docker.
#
#   bash scripts/services.sh up [SERVICE...]      start (idempotent), wait, write .services/env
#   bash scripts/services.sh status [SERVICE...]  one line per service: up/down
#   bash scripts/services.sh down [SERVICE...]    stop what `up` started
#
# SERVICE is one of: postgres redis moto opensearch (default: all).
# Everything binds to 127.0.0.1. State lives in .services/ (git-ignored):
#   env                       `source .services/env` exports TEST_*_URL for the tests
#   cache/                    downloaded OpenSearch artifacts (reused on later runs; ~/.m2 is reused too)
#   opensearch/               OpenSearch home (logs in opensearch/logs/, pid in opensearch/opensearch.pid)
#   redis.pid redis.log moto.pid moto.log postgres.started
#
# Ports: PostgreSQL 5432 (the Debian 15/main cluster; another port if 5432 is taken by something else),
#        Redis 6390, moto 5055, OpenSearch HTTP 9201 (transport 9301).
#
# OpenSearch comes from Maven Central, fetched by Maven itself (no URL in here): the minimal
# `integ-test-zip` distribution, the k-NN plugin zip, and the jars of the modules the full distribution
# ships and the integ-test zip lacks (lang-painless, which k-NN extends; analysis-common; mapper-extras;
# reindex). Those modules are assembled from their published jars with the descriptor their build writes.
# The k-NN plugin from Maven has no faiss/nmslib native libraries: use `engine: lucene`. With faiss or
# nmslib the index is created, but the first write kills the node (UnsatisfiedLinkError, fatal exit).
# Indices get 1 replica by default, so a single node reports them yellow: set number_of_replicas: 0.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SVC_DIR="${ENFORCEAI_SERVICES_DIR:-$ROOT/.services}"
CACHE_DIR="$SVC_DIR/cache"
ENV_FILE="$SVC_DIR/env"

PG_VERSION=15
PG_CLUSTER=main
PG_DEFAULT_PORT=5432
PG_USER=enforceai
PG_PASSWORD=enforceai
PG_DB=enforceai_test

REDIS_PORT=6390
MOTO_PORT=5055
OS_HTTP_PORT=9201
OS_TRANSPORT_PORT=9301

OS_VERSION=2.19.1          # org.opensearch.distribution.integ-test-zip:opensearch
KNN_VERSION=2.19.1.0       # org.opensearch.plugin:opensearch-knn (must match OS_VERSION)
OS_USER=enforceai-os       # OpenSearch refuses to run as root
OS_HEAP=512m
OS_HOME="$SVC_DIR/opensearch"
# OpenSearch runs as its own user, who must be able to walk down to its home. A checkout under a private folder
# (mktemp -d makes them 0700) would stop it, so then its home moves to /var/tmp, named after the checkout's path.
world_reachable() {
  local p="$1" mode
  while [[ -n "$p" && "$p" != "/" ]]; do
    if [[ -e "$p" ]]; then
      mode="$(stat -c %a "$p")"
      (((8#$mode & 1) != 0)) || return 1
    fi
    p="$(dirname "$p")"
  done
}
if ! world_reachable "$(dirname "$SVC_DIR")"; then
  OS_HOME="/var/tmp/enforceai-opensearch-$(printf '%s' "$SVC_DIR" | cksum | cut -d' ' -f1)"
fi
OS_PIDFILE="$OS_HOME/opensearch.pid"
OS_LOG="$OS_HOME/logs/enforceai-test.log"

ALL_SERVICES=(postgres redis moto opensearch)

log() { printf '[services] %s\n' "$*" >&2; }
die() {
  printf '[services] ERROR: %s\n' "$*" >&2
  exit 1
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() {
  local f="$1" pid
  [[ -s "$f" ]] || return 1
  pid="$(tr -dc '0-9' <"$f")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

# wait_for NAME LOGFILE TIMEOUT_SECONDS COMMAND...
# If WAIT_ALIVE names a command, it is run while waiting: once it fails (the process is gone), stop early.
WAIT_ALIVE=""
wait_for() {
  local name="$1" logfile="$2" timeout="$3"
  shift 3
  local start=$SECONDS why=""
  until "$@" >/dev/null 2>&1; do
    if [[ -n "$WAIT_ALIVE" ]] && ! $WAIT_ALIVE; then
      why="exited before answering"
    elif ((SECONDS - start >= timeout)); then
      why="did not answer within ${timeout}s"
    fi
    if [[ -n "$why" ]]; then
      WAIT_ALIVE=""
      log "last lines of $logfile:"
      tail -n 30 "$logfile" 2>/dev/null | sed 's/^/    /' >&2 || true
      die "$name $why; see $logfile"
    fi
    sleep 0.5
  done
  WAIT_ALIVE=""
}

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null || die "apt-get is missing; install $* by hand"
  if ((APT_UPDATED == 0)); then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  # RUNLEVEL=1 keeps the packages' init scripts from starting system-wide daemons (e.g. redis on 6379).
  RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

need_cmd() { # need_cmd COMMAND PACKAGE
  command -v "$1" >/dev/null || apt_install "$2"
}

# ---------------------------------------------------------------- PostgreSQL

PG_PORT=""

pg_cluster_field() { # pg_cluster_field N -> Nth column of pg_lsclusters for our cluster ('' if missing)
  command -v pg_lsclusters >/dev/null || return 0
  pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" -v n="$1" '$1==v && $2==c {print $n}'
}

pg_psql() { # as the postgres superuser over the cluster's socket
  (cd / && runuser -u postgres -- psql -X -q -p "$PG_PORT" -v ON_ERROR_STOP=1 -tA "$@")
}

pg_url() { echo "postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB"; }

pg_can_login() { PGPASSWORD="$PG_PASSWORD" psql -X -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" -tAc 'select 1' | grep -qx 1; }

pg_log() { echo "/var/log/postgresql/postgresql-$PG_VERSION-$PG_CLUSTER.log"; }

postgres_up() {
  if [[ ! -x "/usr/lib/postgresql/$PG_VERSION/bin/postgres" ]] || ! command -v pg_ctlcluster >/dev/null; then
    apt_install "postgresql-$PG_VERSION" postgresql-client-common
  fi
  need_cmd psql "postgresql-client-$PG_VERSION"
  if [[ -z "$(pg_cluster_field 1)" ]]; then
    local port=$PG_DEFAULT_PORT
    while port_open "$port"; do port=$((port + 1)); done
    log "postgres: creating cluster $PG_VERSION/$PG_CLUSTER on port $port"
    pg_createcluster --port "$port" "$PG_VERSION" "$PG_CLUSTER" >&2
  fi
  PG_PORT="$(pg_cluster_field 3)"
  if [[ "$(pg_cluster_field 4)" != online ]]; then
    if port_open "$PG_PORT"; then
      local port=$PG_DEFAULT_PORT
      while port_open "$port"; do port=$((port + 1)); done
      log "postgres: port $PG_PORT is taken by another process; moving cluster $PG_VERSION/$PG_CLUSTER to $port"
      pg_conftool "$PG_VERSION" "$PG_CLUSTER" set port "$port"
      PG_PORT=$port
    fi
    log "postgres: starting cluster $PG_VERSION/$PG_CLUSTER on port $PG_PORT"
    pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$PG_CLUSTER" start >&2 ||
      die "postgres did not start; see $(pg_log)"
    mkdir -p "$SVC_DIR"
    echo "$PG_VERSION/$PG_CLUSTER" >"$SVC_DIR/postgres.started"
  else
    log "postgres: cluster $PG_VERSION/$PG_CLUSTER already running on port $PG_PORT"
  fi
  wait_for postgres "$(pg_log)" 30 pg_isready -q -h 127.0.0.1 -p "$PG_PORT"
  pg_psql -c "DO \$\$BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN
      CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
    ELSE
      ALTER ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
    END IF;
  END\$\$;" >/dev/null
  if [[ "$(pg_psql -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != 1 ]]; then
    pg_psql -c "CREATE DATABASE $PG_DB OWNER $PG_USER" >/dev/null
  fi
  wait_for postgres "$(pg_log)" 15 pg_can_login
  log "postgres: up on 127.0.0.1:$PG_PORT (database $PG_DB)"
}

postgres_status() {
  PG_PORT="$(pg_cluster_field 3)"
  if [[ -n "$PG_PORT" ]] && [[ "$(pg_cluster_field 4)" == online ]] && pg_can_login 2>/dev/null; then
    echo "postgres    up    $(pg_url)"
  else
    echo "postgres    down"
  fi
}

postgres_down() {
  if [[ -f "$SVC_DIR/postgres.started" ]]; then
    if [[ "$(pg_cluster_field 4)" == online ]]; then
      log "postgres: stopping cluster $PG_VERSION/$PG_CLUSTER"
      pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$PG_CLUSTER" stop -m fast >&2 || true
    fi
    rm -f "$SVC_DIR/postgres.started"
  else
    log "postgres: not started by this script; left alone"
  fi
}

# --------------------------------------------------------------------- Redis

REDIS_PIDFILE="$SVC_DIR/redis.pid"
REDIS_LOG="$SVC_DIR/redis.log"

redis_alive() { pid_alive "$REDIS_PIDFILE"; }

redis_ping() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }

redis_up() {
  command -v redis-server >/dev/null || apt_install redis-server
  need_cmd redis-cli redis-tools
  if pid_alive "$REDIS_PIDFILE" && redis_ping; then
    log "redis: already running on 127.0.0.1:$REDIS_PORT"
    return
  fi
  if port_open "$REDIS_PORT"; then
    redis_ping || die "port $REDIS_PORT is taken by something that is not Redis"
    log "redis: a Redis not started by this script answers on 127.0.0.1:$REDIS_PORT; using it"
    return
  fi
  mkdir -p "$SVC_DIR/redis"
  log "redis: starting on 127.0.0.1:$REDIS_PORT"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes \
    --pidfile "$REDIS_PIDFILE" --logfile "$REDIS_LOG" --dir "$SVC_DIR/redis" \
    --save "" --appendonly no --protected-mode yes >&2 || die "redis did not start; see $REDIS_LOG"
  WAIT_ALIVE=redis_alive wait_for redis "$REDIS_LOG" 20 redis_ping
  log "redis: up on 127.0.0.1:$REDIS_PORT"
}

redis_status() {
  if redis_ping; then echo "redis       up    redis://127.0.0.1:$REDIS_PORT"; else echo "redis       down"; fi
}

redis_down() {
  if pid_alive "$REDIS_PIDFILE"; then
    log "redis: stopping"
    stop_pid "$(cat "$REDIS_PIDFILE")" redis
  else
    log "redis: not running from this script"
  fi
  rm -f "$REDIS_PIDFILE"
}

# ---------------------------------------------------------------------- moto

MOTO_PIDFILE="$SVC_DIR/moto.pid"
MOTO_LOG="$SVC_DIR/moto.log"
MOTO_BIN=""

moto_alive() { pid_alive "$MOTO_PIDFILE"; }

moto_ping() { [[ "$(curl -s -o /dev/null -m 5 -w '%{http_code}' "http://127.0.0.1:$MOTO_PORT/moto-api/")" == 200 ]]; }

find_moto() {
  local c
  for c in "$(command -v moto_server || true)" "$HOME/.pyenv/shims/moto_server" "$SVC_DIR/venv/bin/moto_server"; do
    if [[ -n "$c" && -x "$c" ]]; then
      MOTO_BIN="$c"
      return 0
    fi
  done
  return 1
}

moto_up() {
  need_cmd curl curl
  if pid_alive "$MOTO_PIDFILE" && moto_ping; then
    log "moto: already running on 127.0.0.1:$MOTO_PORT"
    return
  fi
  if port_open "$MOTO_PORT"; then
    moto_ping || die "port $MOTO_PORT is taken by something that is not moto"
    log "moto: a moto server not started by this script answers on 127.0.0.1:$MOTO_PORT; using it"
    return
  fi
  if ! find_moto; then
    log "moto: moto_server missing; installing moto[server] into $SVC_DIR/venv"
    python3 -m venv "$SVC_DIR/venv" >/dev/null 2>&1 || {
      apt_install python3-venv python3-pip
      python3 -m venv "$SVC_DIR/venv" >&2
    }
    "$SVC_DIR/venv/bin/pip" install -q 'moto[server]' >&2
    find_moto || die "moto_server still missing after pip install"
  fi
  mkdir -p "$SVC_DIR"
  log "moto: starting $MOTO_BIN on 127.0.0.1:$MOTO_PORT"
  MOTO_IAM_LOAD_MANAGED_POLICIES=true setsid nohup "$MOTO_BIN" -H 127.0.0.1 -p "$MOTO_PORT" \
    >"$MOTO_LOG" 2>&1 </dev/null &
  echo $! >"$MOTO_PIDFILE"
  # Loading the AWS-managed IAM policies makes the first start take a few seconds.
  WAIT_ALIVE=moto_alive wait_for moto "$MOTO_LOG" 90 moto_ping
  pid_alive "$MOTO_PIDFILE" || die "moto answered but its process is gone; see $MOTO_LOG"
  log "moto: up on 127.0.0.1:$MOTO_PORT"
}

moto_status() {
  if moto_ping; then echo "moto        up    http://127.0.0.1:$MOTO_PORT"; else echo "moto        down"; fi
}

moto_down() {
  if pid_alive "$MOTO_PIDFILE"; then
    log "moto: stopping"
    stop_pid "$(cat "$MOTO_PIDFILE")" moto
  else
    log "moto: not running from this script"
  fi
  rm -f "$MOTO_PIDFILE"
}

# ---------------------------------------------------------------- OpenSearch

# Jars of the modules that the full distribution ships and the integ-test zip lacks:
# "module-dir|groupId:artifactId:version" (versions as in the modules' published POMs for $OS_VERSION).
OS_MODULE_JARS=(
  "lang-painless|org.opensearch.plugin:lang-painless:$OS_VERSION"
  "lang-painless|org.opensearch.plugin:opensearch-scripting-painless-spi:$OS_VERSION"
  "lang-painless|org.antlr:antlr4-runtime:4.13.1"
  "lang-painless|org.ow2.asm:asm:9.7"
  "lang-painless|org.ow2.asm:asm-util:9.7"
  "lang-painless|org.ow2.asm:asm-tree:9.7"
  "lang-painless|org.ow2.asm:asm-commons:9.7"
  "lang-painless|org.ow2.asm:asm-analysis:9.7"
  "analysis-common|org.opensearch.plugin:analysis-common:$OS_VERSION"
  "mapper-extras|org.opensearch.plugin:mapper-extras-client:$OS_VERSION"
  "reindex|org.opensearch.plugin:reindex-client:$OS_VERSION"
  "reindex|org.opensearch.client:opensearch-rest-client:$OS_VERSION"
  "reindex|org.opensearch:opensearch-ssl-config:$OS_VERSION"
  "reindex|org.apache.httpcomponents:httpclient:4.5.14"
  "reindex|org.apache.httpcomponents:httpcore:4.4.16"
  "reindex|org.apache.httpcomponents:httpasyncclient:4.1.5"
  "reindex|org.apache.httpcomponents:httpcore-nio:4.4.16"
  "reindex|commons-codec:commons-codec:1.16.1"
  "reindex|commons-logging:commons-logging:1.2"
)

# Descriptor of each module: "name|classname|extended.plugins|description"
OS_MODULE_DESCRIPTORS=(
  "lang-painless|org.opensearch.painless.PainlessPlugin||An easy, safe and fast scripting language for OpenSearch"
  "analysis-common|org.opensearch.analysis.common.CommonAnalysisPlugin|lang-painless|Adds \"built in\" analyzers to OpenSearch."
  "mapper-extras|org.opensearch.index.mapper.MapperExtrasPlugin||Adds advanced field mappers"
  "reindex|org.opensearch.index.reindex.ReindexPlugin||The Reindex module adds APIs to reindex from one index to another or update documents in place."
)

OS_DIST_ZIP="$CACHE_DIR/opensearch-$OS_VERSION.zip"
OS_KNN_ZIP="$CACHE_DIR/opensearch-knn-$KNN_VERSION.zip"
OS_MODULES_CACHE="$CACHE_DIR/modules-$OS_VERSION"
OS_STAMP="$OS_HOME/.enforceai-installed"
OS_STAMP_VALUE="opensearch=$OS_VERSION knn=$KNN_VERSION modules=lang-painless,analysis-common,mapper-extras,reindex v1"

os_java_home() {
  local j
  for j in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk-arm64 /usr/lib/jvm/java-17-openjdk*; do
    [[ -x "$j/bin/java" ]] && {
      echo "$j"
      return 0
    }
  done
  return 1
}

# Fetch everything in one Maven run (Maven's own repository configuration; ~/.m2 is reused).
os_fetch() {
  local missing=0 item dir gav g a v
  [[ -s "$OS_DIST_ZIP" && -s "$OS_KNN_ZIP" ]] || missing=1
  for item in "${OS_MODULE_JARS[@]}"; do
    dir="${item%%|*}"
    gav="${item#*|}"
    a="$(cut -d: -f2 <<<"$gav")"
    v="$(cut -d: -f3 <<<"$gav")"
    [[ -s "$OS_MODULES_CACHE/$dir/$a-$v.jar" ]] || missing=1
  done
  ((missing == 0)) && return 0
  need_cmd mvn maven
  mkdir -p "$CACHE_DIR"
  local pom="$CACHE_DIR/fetch-pom.xml" items=""
  items+="<artifactItem><groupId>org.opensearch.distribution.integ-test-zip</groupId><artifactId>opensearch</artifactId>"
  items+="<version>$OS_VERSION</version><type>zip</type><outputDirectory>$CACHE_DIR</outputDirectory></artifactItem>"
  items+="<artifactItem><groupId>org.opensearch.plugin</groupId><artifactId>opensearch-knn</artifactId>"
  items+="<version>$KNN_VERSION</version><type>zip</type><outputDirectory>$CACHE_DIR</outputDirectory></artifactItem>"
  for item in "${OS_MODULE_JARS[@]}"; do
    dir="${item%%|*}"
    IFS=: read -r g a v <<<"${item#*|}"
    items+="<artifactItem><groupId>$g</groupId><artifactId>$a</artifactId><version>$v</version><type>jar</type>"
    items+="<outputDirectory>$OS_MODULES_CACHE/$dir</outputDirectory></artifactItem>"
  done
  cat >"$pom" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.enforceai</groupId>
  <artifactId>services-fetch</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <configuration>
          <artifactItems>$items</artifactItems>
        </configuration>
      </plugin>
    </plugins>
  </build>
</project>
EOF
  log "opensearch: fetching OpenSearch $OS_VERSION, k-NN $KNN_VERSION and module jars with Maven (log: $CACHE_DIR/mvn.log)"
  if ! mvn -B -ntp -f "$pom" dependency:copy >"$CACHE_DIR/mvn.log" 2>&1; then
    grep -E 'ERROR' "$CACHE_DIR/mvn.log" | head -n 10 >&2 || true
    die "opensearch: Maven could not fetch the artifacts; see $CACHE_DIR/mvn.log"
  fi
  [[ -s "$OS_DIST_ZIP" && -s "$OS_KNN_ZIP" ]] || die "opensearch: Maven ran but the zips are missing; see $CACHE_DIR/mvn.log"
}

os_user_setup() {
  id -u "$OS_USER" >/dev/null 2>&1 && return 0
  log "opensearch: creating system user $OS_USER (OpenSearch refuses to run as root)"
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$OS_USER"
}

os_install() {
  if [[ -f "$OS_STAMP" && "$(cat "$OS_STAMP")" == "$OS_STAMP_VALUE" ]]; then
    return 0
  fi
  os_fetch
  need_cmd unzip unzip
  local java_home
  java_home="$(os_java_home)" || {
    apt_install openjdk-17-jre-headless
    java_home="$(os_java_home)"
  }
  log "opensearch: installing into $OS_HOME"
  rm -rf "$OS_HOME" "$SVC_DIR/opensearch.tmp"
  mkdir -p "$SVC_DIR/opensearch.tmp"
  unzip -q "$OS_DIST_ZIP" -d "$SVC_DIR/opensearch.tmp"
  mv "$SVC_DIR/opensearch.tmp/opensearch-$OS_VERSION" "$OS_HOME"
  rmdir "$SVC_DIR/opensearch.tmp"

  local d name classname extended description
  for d in "${OS_MODULE_DESCRIPTORS[@]}"; do
    IFS='|' read -r name classname extended description <<<"$d"
    mkdir -p "$OS_HOME/modules/$name"
    cp "$OS_MODULES_CACHE/$name/"*.jar "$OS_HOME/modules/$name/"
    cat >"$OS_HOME/modules/$name/plugin-descriptor.properties" <<EOF
description=$description
version=$OS_VERSION
name=$name
classname=$classname
java.version=11
opensearch.version=$OS_VERSION
extended.plugins=$extended
has.native.controller=false
EOF
  done
  # Security policies as in the modules' sources (plugin-metadata/plugin-security.policy).
  cat >"$OS_HOME/modules/lang-painless/plugin-security.policy" <<'EOF'
grant {
  // needed to generate runtime classes
  permission java.lang.RuntimePermission "createClassLoader";
  // needed to find the classloader to load allowlisted classes from
  permission java.lang.RuntimePermission "getClassLoader";
};
EOF
  cat >"$OS_HOME/modules/reindex/plugin-security.policy" <<'EOF'
grant {
  // reindex opens socket connections using the rest client
  permission java.net.SocketPermission "*", "connect";
};
grant codeBase "${codebase.opensearch-rest-client}" {
  permission java.net.NetPermission "getProxySelector";
};
grant codeBase "${codebase.httpasyncclient}" {
  permission java.net.NetPermission "getProxySelector";
};
EOF

  log "opensearch: installing the k-NN plugin $KNN_VERSION"
  OPENSEARCH_JAVA_HOME="$java_home" "$OS_HOME/bin/opensearch-plugin" install --batch "file://$OS_KNN_ZIP" \
    >"$CACHE_DIR/plugin-install.log" 2>&1 || {
    cat "$CACHE_DIR/plugin-install.log" >&2
    die "opensearch: k-NN plugin install failed; see $CACHE_DIR/plugin-install.log"
  }

  {
    echo "cluster.name: enforceai-test"
    echo "node.name: enforceai-test-node"
    echo "discovery.type: single-node"
    echo "network.host: 127.0.0.1"
    echo "http.port: $OS_HTTP_PORT"
    echo "transport.port: $OS_TRANSPORT_PORT"
    echo "path.data: $OS_HOME/data"
    echo "path.logs: $OS_HOME/logs"
    echo "bootstrap.memory_lock: false"
    echo "action.auto_create_index: true"
    # tests must not turn indices read-only because a developer's disk is nearly full
    echo "cluster.routing.allocation.disk.threshold_enabled: false"
    if [[ -d "$OS_HOME/plugins/opensearch-security" ]]; then
      echo "plugins.security.disabled: true"
    fi
  } >"$OS_HOME/config/opensearch.yml"
  printf -- '-Xms%s\n-Xmx%s\n' "$OS_HEAP" "$OS_HEAP" >"$OS_HOME/config/jvm.options.d/heap.options"
  mkdir -p "$OS_HOME/data" "$OS_HOME/logs"
  echo "$OS_STAMP_VALUE" >"$OS_STAMP"
}

# The JVM of this OpenSearch home, found by its owner and its -Dopensearch.path.home (the pidfile comes later).
os_alive() { pid_alive "$OS_PIDFILE" || pgrep -u "$OS_USER" -f -- "-Dopensearch.path.home=$OS_HOME" >/dev/null; }

os_health() { curl -sf -m 5 "http://127.0.0.1:$OS_HTTP_PORT/_cluster/health?wait_for_status=yellow&timeout=4s"; }

os_is_ours() { curl -sf -m 5 "http://127.0.0.1:$OS_HTTP_PORT/_cat/plugins?h=component" | grep -qx opensearch-knn; }

os_knn_selfcheck() {
  local base="http://127.0.0.1:$OS_HTTP_PORT" idx="enforceai-services-knn-selfcheck" out
  curl -s -m 10 -X DELETE "$base/$idx" >/dev/null || true
  curl -sf -m 30 -X PUT "$base/$idx" -H 'Content-Type: application/json' -d '{
      "settings": {"index": {"knn": true, "number_of_shards": 1, "number_of_replicas": 0}},
      "mappings": {"properties": {"v": {"type": "knn_vector", "dimension": 3,
        "method": {"name": "hnsw", "engine": "lucene", "space_type": "cosinesimil"}}, "t": {"type": "keyword"}}}
    }' >/dev/null || die "opensearch: creating a lucene knn_vector index failed; see $OS_LOG"
  curl -sf -m 30 -X POST "$base/$idx/_bulk?refresh=true" -H 'Content-Type: application/x-ndjson' --data-binary \
    $'{"index":{"_id":"a"}}\n{"v":[1,0,0],"t":"a"}\n{"index":{"_id":"b"}}\n{"v":[0,1,0],"t":"b"}\n' >/dev/null ||
    die "opensearch: indexing into the knn index failed; see $OS_LOG"
  out="$(curl -sf -m 30 -X POST "$base/$idx/_search" -H 'Content-Type: application/json' \
    -d '{"size": 1, "query": {"knn": {"v": {"vector": [0.9, 0.1, 0], "k": 1}}}}')" ||
    die "opensearch: knn query failed; see $OS_LOG"
  curl -s -m 10 -X DELETE "$base/$idx" >/dev/null || true
  grep -q '"_id":"a"' <<<"$out" || die "opensearch: knn query returned an unexpected result: $out"
}

opensearch_up() {
  need_cmd curl curl
  if pid_alive "$OS_PIDFILE" && os_health >/dev/null; then
    log "opensearch: already running on 127.0.0.1:$OS_HTTP_PORT"
    os_knn_selfcheck
    return
  fi
  if port_open "$OS_HTTP_PORT"; then
    if os_health >/dev/null && os_is_ours; then
      log "opensearch: an OpenSearch with k-NN not started by this script answers on 127.0.0.1:$OS_HTTP_PORT; using it"
      os_knn_selfcheck
      return
    fi
    die "port $OS_HTTP_PORT is taken by something that is not this OpenSearch"
  fi
  if pid_alive "$OS_PIDFILE"; then
    # started earlier and still booting: wait for it below
    log "opensearch: process $(cat "$OS_PIDFILE") is starting"
  else
    os_install
    os_user_setup
    local java_home
    java_home="$(os_java_home)" || die "opensearch: Java 17 not found under /usr/lib/jvm"
    chown -R "$OS_USER:" "$OS_HOME"
    if ! runuser -u "$OS_USER" -- test -x "$OS_HOME/bin/opensearch"; then
      die "opensearch: user $OS_USER cannot reach $OS_HOME (a parent folder is not world-executable)"
    fi
    rm -f "$OS_PIDFILE"
    log "opensearch: starting $OS_VERSION on 127.0.0.1:$OS_HTTP_PORT (heap $OS_HEAP, log $OS_LOG)"
    (cd "$OS_HOME" && runuser -u "$OS_USER" -- env -i PATH=/usr/bin:/bin HOME=/tmp \
      OPENSEARCH_JAVA_HOME="$java_home" OPENSEARCH_HOME="$OS_HOME" \
      "$OS_HOME/bin/opensearch" -d -p "$OS_PIDFILE") >>"$OS_HOME/logs/startup.out" 2>&1 ||
      {
        tail -n 30 "$OS_HOME/logs/startup.out" >&2 || true
        die "opensearch did not start; see $OS_HOME/logs/startup.out and $OS_LOG"
      }
  fi
  WAIT_ALIVE=os_alive wait_for opensearch "$OS_LOG" 180 os_health
  os_is_ours || die "opensearch: the k-NN plugin is not loaded; see $OS_LOG"
  os_knn_selfcheck
  log "opensearch: up on 127.0.0.1:$OS_HTTP_PORT (k-NN lucene engine checked)"
}

opensearch_status() {
  if os_health >/dev/null; then
    echo "opensearch  up    http://127.0.0.1:$OS_HTTP_PORT"
  else
    echo "opensearch  down"
  fi
}

opensearch_down() {
  if pid_alive "$OS_PIDFILE"; then
    log "opensearch: stopping"
    stop_pid "$(cat "$OS_PIDFILE")" opensearch 60
  else
    log "opensearch: not running from this script"
  fi
  rm -f "$OS_PIDFILE"
}

# -------------------------------------------------------------------- common

stop_pid() { # stop_pid PID NAME [TIMEOUT]
  local pid="$1" name="$2" timeout="${3:-20}" start=$SECONDS
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS - start >= timeout)); then
      log "$name: still running after ${timeout}s; sending KILL to $pid"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.3
  done
}

write_env() {
  PG_PORT="${PG_PORT:-$(pg_cluster_field 3)}"
  local tmp="$ENV_FILE.tmp"
  {
    echo "export TEST_DATABASE_URL=$(pg_url)"
    echo "export TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
    echo "export TEST_OPENSEARCH_URL=http://127.0.0.1:$OS_HTTP_PORT"
    echo "export TEST_MOTO_URL=http://127.0.0.1:$MOTO_PORT"
  } >"$tmp"
  mv "$tmp" "$ENV_FILE"
  cat "$ENV_FILE"
}

usage() {
  echo "usage: bash scripts/services.sh up|down|status [postgres|redis|moto|opensearch ...]" >&2
  exit 2
}

main() {
  local cmd="${1:-}"
  [[ -n "$cmd" ]] || usage
  shift
  local services=("$@") s
  ((${#services[@]} > 0)) || services=("${ALL_SERVICES[@]}")
  for s in "${services[@]}"; do
    [[ " ${ALL_SERVICES[*]} " == *" $s "* ]] || die "unknown service '$s' (known: ${ALL_SERVICES[*]})"
  done
  case "$cmd" in
  up)
    [[ $EUID -eq 0 ]] || die "run as root (it installs packages, starts the PostgreSQL cluster and runs OpenSearch as $OS_USER)"
    mkdir -p "$SVC_DIR" "$CACHE_DIR"
    local t0=$SECONDS t
    for s in "${services[@]}"; do
      t=$SECONDS
      "${s}_up"
      log "$s ready in $((SECONDS - t))s"
    done
    write_env
    log "all requested services up in $((SECONDS - t0))s; run: source .services/env"
    ;;
  status)
    for s in "${services[@]}"; do "${s}_status"; done
    ;;
  down)
    local i
    for ((i = ${#services[@]} - 1; i >= 0; i--)); do "${services[i]}_down"; done
    # after a full `down` the tests must not be pointed at stopped services
    ((${#services[@]} < ${#ALL_SERVICES[@]})) || rm -f "$ENV_FILE"
    ;;
  *) usage ;;
  esac
}

main "$@"
