# PostgreSQL: the store contract suite, leader election, migrate-data and the
# two-replica tests (Go build tag "postgres") against a throwaway PostgreSQL
# server started here in a temp dir and stopped at the end.
#
# Sourced by scripts/test; also runs on its own: bash scripts/test.d/10-postgres.sh
# With PATCHBAY_TEST_POSTGRES_URL already set (a CI service, say) no server
# is started and that one is used. Under CI=true a server that cannot be had
# fails the run; elsewhere the suite is skipped with the reason printed.

if ! declare -F step >/dev/null; then # on its own, not sourced by scripts/test
  set -euo pipefail
  cd "$(dirname "${BASH_SOURCE[0]}")/../.."
  step() { printf '\n== %s\n' "$*"; }
  cleanup() { :; }
  trap cleanup EXIT
fi

pg_dir=""
pg_bin=""

# pg_as runs a server command as the postgres user: PostgreSQL refuses root.
pg_as() {
  if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_stop() {
  if [[ -n "$pg_dir" ]]; then
    if [[ -f "$pg_dir/data/postmaster.pid" ]]; then
      pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$pg_dir"
    pg_dir=""
  fi
}

# Stop the server however the run ends: wrap the EXIT trap's cleanup.
if ! declare -F _cleanup_before_postgres >/dev/null; then
  eval "$(declare -f cleanup | sed '1s/^cleanup /_cleanup_before_postgres /')"
  cleanup() {
    pg_stop
    _cleanup_before_postgres
  }
fi

pg_newest_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# pg_start starts a private cluster and exports PATCHBAY_TEST_POSTGRES_URL;
# it prints why and returns 1 when it cannot.
pg_start() {
  pg_bin=$(pg_newest_bin)
  if [[ -z "$pg_bin" || ! -x "$pg_bin/initdb" ]]; then
    if [[ $(id -u) != 0 ]]; then
      echo "no PostgreSQL server binaries under /usr/lib/postgresql, and not root to install them"
      return 1
    fi
    echo "installing PostgreSQL from Debian's packages"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || {
      echo "apt-get install postgresql failed"
      return 1
    }
    pg_bin=$(pg_newest_bin)
    [[ -n "$pg_bin" && -x "$pg_bin/initdb" ]] || { echo "postgresql installed but no initdb found"; return 1; }
  fi
  if [[ $(id -u) == 0 ]] && ! id postgres >/dev/null 2>&1; then
    echo "no postgres user to run the server as"
    return 1
  fi
  pg_dir=$(mktemp -d)
  [[ $(id -u) == 0 ]] && chown postgres "$pg_dir"
  if ! pg_as "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust >"$pg_dir/initdb.log" 2>&1; then
    cat "$pg_dir/initdb.log"
    echo "initdb failed"
    return 1
  fi
  # Durability settings off: the cluster lives for one test run.
  local port opts
  for port in $(shuf -i 20000-60000 -n 10 2>/dev/null || seq 55433 55442); do
    opts="-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    if pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" -o "$opts" -l "$pg_dir/log" -w -t 60 start >/dev/null 2>&1; then
      export PATCHBAY_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
      echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $pg_dir)"
      return 0
    fi
  done
  tail -n 20 "$pg_dir/log" 2>/dev/null || true
  echo "the PostgreSQL server did not start"
  return 1
}

pg_suite() {
  local started=""
  step "PostgreSQL: a throwaway server"
  if [[ -n "${PATCHBAY_TEST_POSTGRES_URL:-}" ]]; then
    echo "using the server in PATCHBAY_TEST_POSTGRES_URL"
  elif pg_start; then
    started=1
  elif [[ "${CI:-}" == "true" ]]; then
    echo "CI=true: the PostgreSQL tests must run; failing"
    exit 1
  else
    echo "skipping the PostgreSQL tests (outside CI)"
    return 0
  fi

  step "PostgreSQL: store contract, leader election, migrate-data, two replicas (go test -race -tags postgres)"
  local bin=""
  [[ -n "${work:-}" && -x "${work:-}/patchbay" ]] && bin="$work/patchbay"
  PATCHBAY_TEST_BINARY="$bin" CGO_ENABLED=1 go test -race -count=1 -timeout 15m -tags postgres -run Postgres \
    ./internal/store/... ./internal/replica/... ./internal/app/... ./cmd/patchbay/...

  if [[ -n "$started" ]]; then
    pg_stop
    unset PATCHBAY_TEST_POSTGRES_URL
  fi
}

pg_suite
