#!/usr/bin/env bash
# Installs (once) and starts a real Vendure 3 server on SQLite (better-sqlite3) for Concord's
# tests, then writes its Admin API URL and credentials to $CONCORD_SYSTEMS_STATE/vendure.env.
#
# Cold: `npm ci` from package-lock.json into the cache, a first start that creates the schema,
# and seed.js through the Admin API; the seeded database is kept as a template. Warm: the
# template is copied and the server started. Running it while the server is up does nothing.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

HERE="$SYSTEMS_DIR/vendure"
SUPERADMIN=superadmin
PASSWORD='concord-vendure-test'

MODULES="$CACHE_DIR/vendure-npm-$(content_hash "$HERE/package-lock.json")"
TEMPLATE="$CACHE_DIR/vendure-db-$(content_hash "$HERE/package-lock.json" "$HERE/server.js" \
    "$HERE/seed.js" "$HERE/up.sh")"
RUN="$STATE_DIR/vendure"
ENV_FILE="$STATE_DIR/vendure.env"
PIDFILE="$RUN/vendure.pid"

install_modules() {
    [[ -f "$MODULES/.installed" ]] && return
    log "vendure: npm ci into $MODULES (a few minutes: better-sqlite3 compiles from source)"
    rm -rf "$MODULES"
    mkdir -p "$MODULES"
    cp "$HERE/package.json" "$HERE/package-lock.json" "$MODULES/"
    # better-sqlite3 has no prebuilt binary reachable here; it compiles against the headers of
    # the Debian nodejs package, which live under /usr.
    (cd "$MODULES" && npm_config_nodedir="${npm_config_nodedir:-/usr}" \
        npm ci --no-audit --no-fund --loglevel=error >"$MODULES/npm.log" 2>&1) ||
        { tail -30 "$MODULES/npm.log" >&2; die "vendure: npm ci failed"; }
    touch "$MODULES/.installed"
}

# Starts Vendure on database folder $1, port $2; the PID goes to $1/vendure.pid.
start_server() {
    local dir="$1" port="$2"
    # exec keeps the recorded PID the server's own; see tryton/up.sh.
    (cd "$dir" && NODE_PATH="$MODULES/node_modules" VENDURE_PORT="$port" \
        VENDURE_DB="$dir/vendure.sqlite" VENDURE_SUPERADMIN="$SUPERADMIN" \
        VENDURE_PASSWORD="$PASSWORD" exec setsid node "$HERE/server.js" \
        </dev/null >"$dir/vendure.log" 2>&1) &
    echo $! >"$dir/vendure.pid"
    if ! WAIT_SECONDS=180 WAIT_PIDFILE="$dir/vendure.pid" wait_until curl -sf -H 'Content-Type: application/json' \
        -d '{"query":"{ __typename }"}' "http://127.0.0.1:$port/admin-api"; then
        tail -30 "$dir/vendure.log" >&2
        die "vendure: server on port $port stopped or did not answer within 180 s (log above)"
    fi
}

make_template() {
    [[ -f "$TEMPLATE/vendure.sqlite" ]] && return
    local work="$TEMPLATE.work" port
    rm -rf "$work"
    mkdir -p "$work"
    port="$(free_port)"
    log "vendure: first start, creating the schema"
    start_server "$work" "$port"
    log "vendure: seeding countries, zone, tax, products, shipping and payment methods"
    node "$HERE/seed.js" "http://127.0.0.1:$port/admin-api" "$SUPERADMIN" "$PASSWORD" ||
        { stop_pid "$work/vendure.pid"; die "vendure: seeding failed"; }
    stop_pid "$work/vendure.pid"
    rm -rf "$work/vendure.log" "$work/.vendure"
    mv "$work" "$TEMPLATE"
}

if pid_alive "$PIDFILE" && [[ -f "$ENV_FILE" ]]; then
    log "vendure: already running ($(grep URL "$ENV_FILE"))"
    exit 0
fi
command -v curl >/dev/null || die "curl is needed (apt-get install curl)"
command -v node >/dev/null || die "Node.js 20 or 22 is needed (apt-get install nodejs npm)"
install_modules
make_template
rm -rf "$RUN"
mkdir -p "$RUN"
cp "$TEMPLATE"/vendure.sqlite* "$RUN/"
PORT="$(free_port)"
start_server "$RUN" "$PORT"
write_env "$ENV_FILE" \
    "CONCORD_TEST_VENDURE_URL=http://127.0.0.1:$PORT/admin-api" \
    "CONCORD_TEST_VENDURE_USER=$SUPERADMIN" \
    "CONCORD_TEST_VENDURE_PASSWORD=$PASSWORD" \
    "CONCORD_TEST_VENDURE_PID=$(cat "$PIDFILE")"
log "vendure: up at http://127.0.0.1:$PORT/admin-api (log: $RUN/vendure.log)"
