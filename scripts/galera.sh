#!/usr/bin/env bash
# A local 3-node MariaDB Galera cluster for m's cluster tests.
#
#   scripts/galera.sh start DIR BASE_PORT
#   scripts/galera.sh stop DIR
#   scripts/galera.sh kill DIR       # SIGKILL: for a cluster thrown away
#   scripts/galera.sh check          # exit 0 when everything it needs is installed
#
# Node N (1..3) keeps its data, socket, log and pid under DIR/nodeN and
# listens on 127.0.0.1: clients on BASE_PORT + 10*(N-1), Galera group
# traffic on that + 1, incremental state transfer on + 2, full state
# transfer on + 3. `root` connects over TCP without a password
# (mysql://root@127.0.0.1:PORT/...). Nothing outside DIR is touched: the
# machine's own MariaDB and its configuration are not read (each node reads
# only its DIR/nodeN/my.cnf).
#
# Node 1 starts from a freshly initialised data directory and bootstraps the
# cluster; nodes 2 and 3 start empty and receive its data by rsync (a full
# state transfer of a few dozen MB), one at a time: the cluster is up in 10
# to 20 seconds.
#
# Needs mariadbd and mariadb-install-db (Debian: mariadb-server), the
# mariadb client, rsync, and the galera-4 provider
# (/usr/lib/galera/libgalera_smm.so, Debian: galera-4).
set -euo pipefail

PROVIDER="${GALERA_PROVIDER:-/usr/lib/galera/libgalera_smm.so}"
NODES=3
# As root the servers run as `mysql`: the state transfer's rsync daemon,
# started as root, would switch to `nobody`, who cannot write the data
# directory.
RUN_AS=""
if [ "$(id -u)" = 0 ]; then RUN_AS=mysql; fi

die() {
    echo "galera.sh: $*" >&2
    exit 1
}

find_tool() {
    local name
    for name in "$@"; do
        if command -v "$name" >/dev/null 2>&1; then
            command -v "$name"
            return 0
        fi
        if [ -x "/usr/sbin/$name" ]; then
            echo "/usr/sbin/$name"
            return 0
        fi
    done
    return 1
}

check() {
    find_tool mariadbd mysqld >/dev/null || die "mariadbd is not installed (Debian: apt-get install mariadb-server)"
    find_tool mariadb-install-db mysql_install_db >/dev/null || die "mariadb-install-db is not installed (Debian: apt-get install mariadb-server)"
    find_tool mariadb mysql >/dev/null || die "the mariadb client is not installed (Debian: apt-get install mariadb-client)"
    [ -r "$PROVIDER" ] || die "the Galera provider $PROVIDER is missing (Debian: apt-get install galera-4)"
    command -v rsync >/dev/null 2>&1 || die "rsync is not installed: the joining nodes receive their data with it (Debian: apt-get install rsync)"
    if [ "$(id -u)" = 0 ] && ! id mysql >/dev/null 2>&1; then
        die "running as root and there is no \`mysql\` user to run the nodes (Debian's mariadb-server creates it)"
    fi
}

# Whether process PID runs: a node's server is orphaned once the `start`
# that launched it exits, and a killed orphan stays a zombie until whoever
# adopted it reaps it, which `kill -0` does not tell apart.
alive() {
    local state
    state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [ -n "$state" ] && [ "${state#Z}" = "$state" ]
}

client_port() { echo $(($1 + 10 * ($2 - 1))); }

write_config() {
    local dir=$1 base=$2 node=$3
    local port gcomm_port members="" n
    port=$(client_port "$base" "$node")
    gcomm_port=$((port + 1))
    for n in $(seq 1 $NODES); do
        members="${members:+$members,}127.0.0.1:$(($(client_port "$base" "$n") + 1))"
    done
    local user_line=""
    if [ -n "$RUN_AS" ]; then user_line="user=$RUN_AS"; fi
    cat >"$dir/node$node/my.cnf" <<EOF
[mariadbd]
$user_line
datadir=$dir/node$node/data
socket=$dir/node$node/mariadb.sock
pid-file=$dir/node$node/mariadb.pid
log-error=$dir/node$node/error.log
port=$port
bind-address=127.0.0.1
skip-name-resolve
performance_schema=OFF
innodb_buffer_pool_size=32M
innodb_log_file_size=8M
max_connections=300
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
wsrep_on=ON
wsrep_provider=$PROVIDER
wsrep_cluster_name=m-test-$base
wsrep_cluster_address=gcomm://$members
wsrep_node_name=node$node
wsrep_node_address=127.0.0.1:$gcomm_port
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:$gcomm_port;ist.recv_addr=127.0.0.1:$((port + 2));gcache.size=32M"
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:$((port + 3))
EOF
}

# The value of a status variable of node N, or nothing while it does not answer.
status_of() {
    local dir=$1 node=$2 name=$3
    "$ADMIN_CLIENT" --no-defaults --socket="$dir/node$node/mariadb.sock" -uroot -N -B \
        -e "SHOW STATUS LIKE '$name'" 2>/dev/null | awk '{ print $2 }'
}

# Waits until status variable NAME of node N reads VALUE.
wait_status() {
    local dir=$1 node=$2 name=$3 value=$4 waited=0
    while [ "$(status_of "$dir" "$node" "$name")" != "$value" ]; do
        if ! alive "$(cat "$dir/node$node/server.pid")"; then
            tail -n 30 "$dir/node$node/error.log" >&2 || true
            die "node $node stopped (its log: $dir/node$node/error.log)"
        fi
        if [ $waited -ge 600 ]; then
            tail -n 30 "$dir/node$node/error.log" >&2 || true
            die "node $node: $name is not $value after 60 s (its log: $dir/node$node/error.log)"
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
}

# Starts node N in the background; its process id goes to DIR/nodeN/server.pid
# (the server writes its own pid file only once it is ready).
start_node() {
    local dir=$1 node=$2
    shift 2
    "$SERVER" --defaults-file="$dir/node$node/my.cnf" "$@" >>"$dir/node$node/stdout.log" 2>&1 &
    echo $! >"$dir/node$node/server.pid"
}

start() {
    local dir=$1 base=$2
    check
    SERVER=$(find_tool mariadbd mysqld)
    ADMIN_CLIENT=$(find_tool mariadb mysql)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    stop "$dir"
    rm -rf "$dir"/node* "$dir/template"
    "$(find_tool mariadb-install-db mysql_install_db)" --no-defaults --datadir="$dir/template" \
        ${RUN_AS:+--user=$RUN_AS} --auth-root-authentication-method=normal \
        --skip-test-db --innodb-log-file-size=8M --innodb-buffer-pool-size=16M \
        >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; die "mariadb-install-db failed"; }
    for node in $(seq 1 $NODES); do
        mkdir -p "$dir/node$node/data"
        write_config "$dir" "$base" "$node"
    done
    rmdir "$dir/node1/data"
    mv "$dir/template" "$dir/node1/data"
    if [ -n "$RUN_AS" ]; then chown -R "$RUN_AS:" "$dir"/node*; fi
    start_node "$dir" 1 --wsrep-new-cluster
    wait_status "$dir" 1 wsrep_local_state_comment Synced
    # The others start empty and receive node 1's data (a full state
    # transfer by rsync), one at a time.
    for node in $(seq 2 $NODES); do
        start_node "$dir" "$node"
        wait_status "$dir" "$node" wsrep_local_state_comment Synced
    done
    local size
    size=$(status_of "$dir" 1 wsrep_cluster_size)
    [ "$size" = "$NODES" ] || die "the cluster has $size node(s), not $NODES"
    echo "galera cluster up: $NODES nodes on 127.0.0.1 ports $(client_port "$base" 1) $(client_port "$base" 2) $(client_port "$base" 3)"
}

# Stops the nodes with SIGTERM (a clean shutdown, which can take seconds:
# each node leaves the group and flushes InnoDB), or with the signal given.
stop() {
    local dir=$1 signal=${2:-TERM} node pid pids=""
    [ -d "$dir" ] || return 0
    for node in $(seq $NODES -1 1); do
        if [ -r "$dir/node$node/server.pid" ]; then
            pid=$(cat "$dir/node$node/server.pid")
            if alive "$pid"; then
                kill -"$signal" "$pid" 2>/dev/null || true
                pids="$pids $pid"
            fi
        fi
    done
    local waited=0
    for pid in $pids; do
        while alive "$pid"; do
            if [ $waited -ge 300 ]; then
                kill -KILL "$pid" 2>/dev/null || true
                break
            fi
            sleep 0.1
            waited=$((waited + 1))
        done
    done
}

case "${1:-}" in
start)
    [ $# -eq 3 ] || die "usage: galera.sh start DIR BASE_PORT"
    start "$2" "$3"
    ;;
stop)
    [ $# -eq 2 ] || die "usage: galera.sh stop DIR"
    stop "$2"
    rm -rf "$2"/node*
    ;;
kill)
    # Nothing of the data is kept, so there is nothing to shut down cleanly.
    [ $# -eq 2 ] || die "usage: galera.sh kill DIR"
    stop "$2" KILL
    rm -rf "$2"/node*
    ;;
check)
    check
    ;;
*)
    die "usage: galera.sh start DIR BASE_PORT | stop DIR | kill DIR | check"
    ;;
esac
