#!/usr/bin/env bash
# Installs (once) and starts a real Tryton 8.0 server on SQLite for Concord's tests, then writes
# its URL and credentials to $CONCORD_SYSTEMS_STATE/tryton.env.
#
# Cold: a venv from requirements.txt (PyPI), a database made by trytond-admin and seeded
# through JSON-RPC by seed.py, kept as a template in the cache. Warm: the template is copied
# and the server started, a few seconds. Running it while the server is up does nothing.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

HERE="$SYSTEMS_DIR/tryton"
DB=concord
ADMIN_LOGIN=admin
# Tryton rejects passwords that are short or repeat characters too much; this one passes.
ADMIN_PASSWORD='cT9xadminPwq'

VENV="$CACHE_DIR/tryton-venv-$(content_hash "$HERE/requirements.txt")"
TEMPLATE="$CACHE_DIR/tryton-db-$(content_hash "$HERE/requirements.txt" "$HERE/seed.py" \
    "$HERE/up.sh")"
RUN="$STATE_DIR/tryton"
ENV_FILE="$STATE_DIR/tryton.env"
PIDFILE="$RUN/trytond.pid"

install_venv() {
    [[ -f "$VENV/.installed" ]] && return
    log "tryton: installing into $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
    touch "$VENV/.installed"
}

# Writes a trytond.conf for a database folder $1 listening on port $2.
write_conf() {
    cat >"$1/trytond.conf" <<EOF
[database]
uri = sqlite://
path = $1

[web]
listen = 127.0.0.1:$2
EOF
}

# Starts trytond on database folder $1, port $2; the PID goes to $1/trytond.pid.
start_server() {
    local dir="$1" port="$2"
    write_conf "$dir" "$port"
    # exec keeps the recorded PID the server's own; setsid detaches it from the caller's
    # terminal and process group, and no descriptor of the caller stays open in it.
    (cd "$dir" && exec setsid "$VENV/bin/trytond" -c "$dir/trytond.conf" -d "$DB" \
        </dev/null >"$dir/trytond.log" 2>&1) &
    echo $! >"$dir/trytond.pid"
    # A login is the first call that needs the database loaded, so it is the readiness check.
    if ! WAIT_SECONDS=90 WAIT_PIDFILE="$dir/trytond.pid" wait_until curl -sf -H 'Content-Type: application/json' \
        -d "{\"id\":0,\"method\":\"common.db.login\",\"params\":[\"$ADMIN_LOGIN\",\
{\"password\":\"$ADMIN_PASSWORD\"},\"en\"]}" "http://127.0.0.1:$port/$DB/rpc/"; then
        tail -30 "$dir/trytond.log" >&2
        die "tryton: server on port $port stopped or did not accept a login within 90 s (log above)"
    fi
}

make_template() {
    [[ -f "$TEMPLATE/$DB.sqlite" ]] && return
    local work="$TEMPLATE.work" port
    rm -rf "$work"
    mkdir -p "$work"
    log "tryton: creating database (trytond-admin, about 30-60 s)"
    touch "$work/$DB.sqlite"
    write_conf "$work" 0
    printf '%s\n' "$ADMIN_PASSWORD" >"$work/adminpass"
    TRYTONPASSFILE="$work/adminpass" "$VENV/bin/trytond-admin" -c "$work/trytond.conf" -d "$DB" \
        -u party country sale --activate-dependencies --email admin@example.com \
        </dev/null >"$work/admin.log" 2>&1 ||
        { tail -30 "$work/admin.log" >&2; die "tryton: trytond-admin failed"; }
    rm -f "$work/adminpass"
    port="$(free_port)"
    start_server "$work" "$port"
    log "tryton: seeding company, currencies, countries and products through JSON-RPC"
    "$VENV/bin/python" "$HERE/seed.py" "http://127.0.0.1:$port/" "$DB" "$ADMIN_LOGIN" \
        "$ADMIN_PASSWORD" || { stop_pid "$work/trytond.pid"; die "tryton: seeding failed"; }
    stop_pid "$work/trytond.pid"
    rm -f "$work/trytond.conf" "$work/trytond.log"
    # Fold the write-ahead log into the file so the template is one self-contained file.
    python3 -c 'import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute(
        "PRAGMA wal_checkpoint(TRUNCATE)")' "$work/$DB.sqlite"
    rm -f "$work/$DB.sqlite-wal" "$work/$DB.sqlite-shm"
    mv "$work" "$TEMPLATE"
}

if pid_alive "$PIDFILE" && [[ -f "$ENV_FILE" ]]; then
    log "tryton: already running ($(grep URL "$ENV_FILE"))"
    exit 0
fi
command -v curl >/dev/null || die "curl is needed (apt-get install curl)"
install_venv
make_template
rm -rf "$RUN"
mkdir -p "$RUN"
cp "$TEMPLATE/$DB.sqlite" "$RUN/$DB.sqlite"
PORT="$(free_port)"
start_server "$RUN" "$PORT"
write_env "$ENV_FILE" \
    "CONCORD_TEST_TRYTON_URL=http://127.0.0.1:$PORT/" \
    "CONCORD_TEST_TRYTON_DB=$DB" \
    "CONCORD_TEST_TRYTON_USER=$ADMIN_LOGIN" \
    "CONCORD_TEST_TRYTON_PASSWORD=$ADMIN_PASSWORD" \
    "CONCORD_TEST_TRYTON_PID=$(cat "$PIDFILE")"
log "tryton: up at http://127.0.0.1:$PORT/ database $DB (log: $RUN/trytond.log)"
