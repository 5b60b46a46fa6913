# Shared helpers for the scripts that install, start and stop the real external systems used by
# Concord's contract and end-to-end tests. Sourced, never run.
#
# Two folders:
#   CONCORD_SYSTEMS_CACHE  installs and prepared databases, kept between runs so a second `up`
#                          is quick (default: $HOME/.cache/concord-systems);
#   CONCORD_SYSTEMS_STATE  what one run of the systems owns: databases, logs, PID files and the
#                          env file the tests read (default: <repo>/target/systems).
# Nothing here downloads anything except through pip (PyPI) and npm (the npm registry).

set -euo pipefail

SYSTEMS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$SYSTEMS_DIR/../.." && pwd)"
CACHE_DIR="${CONCORD_SYSTEMS_CACHE:-$HOME/.cache/concord-systems}"
STATE_DIR="${CONCORD_SYSTEMS_STATE:-$REPO_DIR/target/systems}"
mkdir -p "$CACHE_DIR" "$STATE_DIR"

log() { printf '[systems] %s\n' "$*" >&2; }
die() { printf '[systems] error: %s\n' "$*" >&2; exit 1; }

# A TCP port on loopback that nothing listens on right now.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Short content hash of the given files, used to name cached installs so that changing a pin
# or a seed script gives a fresh install instead of a stale one.
content_hash() {
    cat "$@" | sha256sum | cut -c1-16
}

# True when the process in PID file $1 is alive.
pid_alive() {
    [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null
}

# Stops the process in PID file $1 (TERM, then KILL after 10 s) and removes the file.
stop_pid() {
    local pidfile="$1" pid
    if pid_alive "$pidfile"; then
        pid="$(cat "$pidfile")"
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}

# Waits until command "$@" succeeds, for at most $WAIT_SECONDS (default 120). With
# $WAIT_PIDFILE set, gives up at once when that process has died (a port taken, a crash).
wait_until() {
    local deadline=$((SECONDS + ${WAIT_SECONDS:-120}))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || return 1
        if [[ -n ${WAIT_PIDFILE:-} ]] && ! pid_alive "$WAIT_PIDFILE"; then
            return 1
        fi
        sleep 0.2
    done
}

# Writes KEY=VALUE lines (arguments) to env file $1 atomically.
write_env() {
    local file="$1"
    shift
    printf '%s\n' "$@" >"$file.tmp"
    mv "$file.tmp" "$file"
}
