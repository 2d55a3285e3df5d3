# shellcheck shell=bash
# OpenSearch for the `opensearch` engine's tests and for developers.
#
#   source .ci/opensearch.sh          # (CI, or a developer's shell) start one node on
#                                     # loopback, wait for green, export IMR_OPENSEARCH_URL
#   .ci/opensearch.sh start [N]       # start N nodes (default 1) as one cluster; prints
#                                     # IMR_OPENSEARCH_URL=... and the nodes' pid files
#   .ci/opensearch.sh stop            # stop every node this folder holds
#
# The server is the integ-test build Maven Central publishes
# (org.opensearch.distribution.integ-test-zip:opensearch:$IMR_OS_VERSION:zip),
# fetched once with `mvn dependency:copy`. It runs on the stock Java 17, has no
# security plugin (plain HTTP, loopback only) and only the core analysis, which
# is all the engine needs: the application sends terms it analysed itself.
#
# OpenSearch refuses to run as root, so as root each node runs as $IMR_OS_USER
# (default nobody) in a folder that user owns; jvm.options' relative gc.log,
# heap-dump and error-file paths are rewritten to absolute ones there, and
# OPENSEARCH_TMPDIR is absolute too. Settings (environment):
#   IMR_OS_VERSION (2.19.6)  IMR_OS_DIR: the nodes' folder (/tmp/imr-opensearch)
#   IMR_OS_DIST: where the distribution is fetched and unpacked (/tmp/imr-opensearch)  IMR_OS_HEAP (512m)
#   IMR_OS_HTTP_PORT (9250: nodes take 9250, 9251, ...)  IMR_OS_TRANSPORT_PORT (9350)
#   IMR_OS_WAIT (180 seconds for green)
# When sourced and the server does not come up, the calling script fails
# (`return 1` under `set -e`): tests that need it must never be skipped silently.

imr_os_version="${IMR_OS_VERSION:-2.19.6}"
imr_os_root="${IMR_OS_DIR:-/tmp/imr-opensearch}"
imr_os_dist="${IMR_OS_DIST:-/tmp/imr-opensearch}"  # where the distribution is fetched (shared by all node folders)
imr_os_heap="${IMR_OS_HEAP:-512m}"
imr_os_http="${IMR_OS_HTTP_PORT:-9250}"
imr_os_transport="${IMR_OS_TRANSPORT_PORT:-9350}"
imr_os_wait="${IMR_OS_WAIT:-180}"
imr_os_home="$imr_os_dist/opensearch-$imr_os_version"

imr_os_log() { echo "opensearch.sh: $*" >&2; }
imr_os_started=()  # node folders this shell started (reused nodes are left running)

imr_os_user() {
  if [ "$(id -u)" = 0 ]; then echo "${IMR_OS_USER:-nobody}"; else id -un; fi
}

# Run a command as the unprivileged user (as is, when not root).
imr_os_as_user() {
  if [ "$(id -u)" = 0 ]; then
    local user group
    user="$(imr_os_user)"
    group="$(id -gn "$user")"
    (cd / && setpriv --reuid="$user" --regid="$group" --clear-groups -- "$@")
  else
    (cd / && "$@")
  fi
}

imr_os_fetch() {
  [ -x "$imr_os_home/bin/opensearch" ] && return 0
  command -v mvn >/dev/null 2>&1 || { imr_os_log "mvn not found: cannot fetch OpenSearch"; return 1; }
  mkdir -p "$imr_os_dist/download"
  local zip="$imr_os_dist/download/opensearch-$imr_os_version.zip"
  if [ ! -s "$zip" ]; then
    imr_os_log "fetching OpenSearch $imr_os_version from Maven Central"
    mvn -q -B dependency:copy \
      -Dartifact="org.opensearch.distribution.integ-test-zip:opensearch:$imr_os_version:zip" \
      -DoutputDirectory="$imr_os_dist/download" || return 1
  fi
  (cd "$imr_os_dist" && unzip -q -o "$zip") || return 1
  chmod -R a+rX "$imr_os_home"
  [ -x "$imr_os_home/bin/opensearch" ]
}

# imr_os_node_start INDEX NODES: node INDEX (0-based) of a cluster of NODES nodes.
imr_os_node_start() {
  local i="$1" n="$2" name="imr-os-$1"
  local dir="$imr_os_root/nodes/$name"
  local http=$((imr_os_http + i)) transport=$((imr_os_transport + i))
  if [ -s "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    imr_os_log "$name is already running (pid $(cat "$dir/pid"))"
    return 0
  fi
  rm -rf "$dir/config"
  mkdir -p "$dir/data" "$dir/logs" "$dir/tmp"
  chmod 755 "$imr_os_root" "$imr_os_root/nodes"
  cp -r "$imr_os_home/config" "$dir/config"
  sed -i -e "s|^-Xms.*|-Xms$imr_os_heap|" -e "s|^-Xmx.*|-Xmx$imr_os_heap|" \
    -e "s|HeapDumpPath=data|HeapDumpPath=$dir/data|" \
    -e "s|ErrorFile=logs/|ErrorFile=$dir/logs/|" \
    -e "s|file=logs/gc.log|file=$dir/logs/gc.log|" -e "s|-Xloggc:logs/gc.log|-Xloggc:$dir/logs/gc.log|" \
    "$dir/config/jvm.options"
  {
    echo "cluster.name: imr-opensearch-$imr_os_http"
    echo "node.name: $name"
    echo "path.data: $dir/data"
    echo "path.logs: $dir/logs"
    echo "network.host: 127.0.0.1"
    echo "http.port: $http"
    echo "transport.port: $transport"
    # a developer's disk may be fuller than the default watermarks allow
    echo "cluster.routing.allocation.disk.threshold_enabled: false"
    echo "action.auto_create_index: false"
    if [ "$n" = 1 ]; then
      echo "discovery.type: single-node"
    else
      local seeds="" managers="" j
      for ((j = 0; j < n; j++)); do
        seeds="$seeds${seeds:+, }\"127.0.0.1:$((imr_os_transport + j))\""
        managers="$managers${managers:+, }\"imr-os-$j\""
      done
      echo "discovery.seed_hosts: [$seeds]"
      echo "cluster.initial_cluster_manager_nodes: [$managers]"
    fi
  } > "$dir/config/opensearch.yml"
  imr_os_started+=("$dir")
  if [ "$(id -u)" = 0 ]; then chown -R "$(imr_os_user)" "$dir"; fi
  local java_home="${IMR_OS_JAVA_HOME:-${JAVA_HOME:-}}"
  if [ -z "$java_home" ] && command -v java >/dev/null 2>&1; then
    java_home="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
  fi
  imr_os_as_user env OPENSEARCH_PATH_CONF="$dir/config" OPENSEARCH_TMPDIR="$dir/tmp" \
    OPENSEARCH_JAVA_HOME="$java_home" \
    "$imr_os_home/bin/opensearch" -d -p "$dir/pid" > "$dir/logs/start.out" 2>&1 || {
      imr_os_log "$name did not start:"; tail -n 30 "$dir/logs/start.out" >&2; return 1; }
}

# imr_os_wait_green URL: wait until the cluster's health is green.
imr_os_wait_green() {
  local url="$1" deadline=$((SECONDS + imr_os_wait))
  while [ $SECONDS -lt $deadline ]; do
    if curl -fsS "$url/_cluster/health?wait_for_status=green&timeout=5s" 2>/dev/null | grep -q '"status":"green"'; then
      return 0
    fi
    # a node writes its pid file once started (on a busy machine that takes minutes):
    # a pid file whose process is gone means the node died
    local node alive=0
    for node in "$imr_os_root"/nodes/*; do
      if [ -s "$node/pid" ]; then
        kill -0 "$(cat "$node/pid")" 2>/dev/null && alive=1
      else
        alive=1
      fi
    done
    if [ $alive = 0 ]; then imr_os_log "no OpenSearch node is running"; break; fi
    sleep 2
  done
  imr_os_log "no green cluster at $url after ${imr_os_wait}s; node logs:"
  tail -n 40 "$imr_os_root"/nodes/*/logs/imr-opensearch-*.log >&2 2>/dev/null || true
  return 1
}

# imr_os_start N: start a cluster of N nodes on loopback and wait for green.
imr_os_start() {
  local n="${1:-1}" i urls=""
  imr_os_fetch || return 1
  for ((i = 0; i < n; i++)); do
    imr_os_node_start "$i" "$n" || return 1
    urls="$urls${urls:+,}http://127.0.0.1:$((imr_os_http + i))"
  done
  imr_os_wait_green "http://127.0.0.1:$imr_os_http" || return 1
  IMR_OPENSEARCH_URL="$urls"
}

# imr_os_stop [FOLDER...]: stop these nodes (default: every node under $imr_os_root).
imr_os_stop() {
  local pidfile pid dirs=("$@")
  [ ${#dirs[@]} -gt 0 ] || dirs=("$imr_os_root"/nodes/*)
  for pidfile in "${dirs[@]/%//pid}"; do
    [ -s "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  # executed: a command for developers and the cluster test
  set -euo pipefail
  case "${1:-start}" in
    start)
      imr_os_start "${2:-1}"
      echo "IMR_OPENSEARCH_URL=$IMR_OPENSEARCH_URL"
      ls "$imr_os_root"/nodes/*/pid ;;
    stop) imr_os_stop ;;
    *) echo "usage: $0 start [NODES] | stop" >&2; exit 2 ;;
  esac
else
  # sourced (by .ci/run): one node for the test suite, stopped when the caller exits
  # (also when it did not come up)
  imr_os_stop_started() { [ ${#imr_os_started[@]} -eq 0 ] || imr_os_stop "${imr_os_started[@]}"; }
  if declare -F imr_ci_on_exit >/dev/null; then imr_ci_on_exit imr_os_stop_started; fi
  if ! imr_os_start 1; then
    imr_os_log "OpenSearch did not come up; the opensearch engine's tests cannot run"
    return 1
  fi
  export IMR_OPENSEARCH_URL
  imr_os_log "IMR_OPENSEARCH_URL=$IMR_OPENSEARCH_URL"
fi
