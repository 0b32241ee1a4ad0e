# Supply chain: govulncheck against an offline vulnerability database built
# from a pinned version of the golang.org/x/vulndb module (served by the Go
# module proxy, so no vuln.go.dev access is needed). It fails on a known
# vulnerability in code Patchbay reaches — its own, its dependencies', or
# the standard library's. Dependencies are pinned by go.sum (checked by
# `go mod verify`) and test/node/package-lock.json (npm ci).
#
# The standard library checked is that of the toolchain go.mod pins (its
# `toolchain` line), fetched from the module proxy when the local Go is
# older: releases must be built with that toolchain or newer, and a local
# Go that is older is reported.
#
# Sourced by scripts/test; also runs on its own: bash scripts/test.d/60-govulncheck.sh

if ! declare -F step >/dev/null; then # on its own, not sourced by scripts/test
  set -euo pipefail
  cd "$(dirname "${BASH_SOURCE[0]}")/../.."
  step() { printf '\n== %s\n' "$*"; }
fi

# Bump on purpose (and commit): a newer database may fail the run.
vulndb_version=v0.0.0-20261105234957-e22db6528018
govulncheck_version=v1.9.0

step "dependencies pinned: go mod verify, npm lockfiles"
go mod verify
for lock in test/node test/browser test/conformance; do
  if [[ -f $lock/package.json && ! -f $lock/package-lock.json ]]; then
    echo "$lock/package.json has no package-lock.json: npm dependencies are not pinned"
    exit 1
  fi
done

step "govulncheck $govulncheck_version, offline database from golang.org/x/vulndb@$vulndb_version"
vuln_dir=$(mktemp -d)
(
  cd "$vuln_dir"
  go mod init vulndb-scratch >/dev/null 2>&1
  go get "golang.org/x/vulndb/cmd/indexdb@$vulndb_version" >/dev/null 2>&1
  go run golang.org/x/vulndb/cmd/indexdb \
    -vulns "$(go env GOMODCACHE)/golang.org/x/vulndb@$vulndb_version/data/osv" -out "$vuln_dir/db"
)

pinned_toolchain=$(sed -n 's/^toolchain //p' go.mod)
local_go=$(go env GOVERSION)
vuln_toolchain=${pinned_toolchain:-$local_go}
if [[ -n "$pinned_toolchain" && "$(printf '%s\n%s\n' "$local_go" "$pinned_toolchain" | sort -V | head -n 1)" != "$pinned_toolchain" ]]; then
  echo "note: the local Go ($local_go) is older than the toolchain go.mod pins ($pinned_toolchain)."
  echo "      Its standard library has known vulnerabilities; build releases with $pinned_toolchain or newer"
  echo "      (GOTOOLCHAIN=auto fetches it). The check below uses $pinned_toolchain."
fi
GOTOOLCHAIN=$vuln_toolchain go run "golang.org/x/vuln/cmd/govulncheck@$govulncheck_version" -db "file://$vuln_dir/db" ./...
rm -rf "$vuln_dir"
