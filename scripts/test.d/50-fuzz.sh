# Fuzzing: every parser of outside input, each for a bounded time
# (PATCHBAY_FUZZTIME, default 10s; 16 targets, about 3 minutes in all).
# The seed corpora (f.Add and testdata/fuzz/<Target>/) already ran as
# regression cases in `go test`; a crash found here is written by Go to
# <package>/testdata/fuzz/<Target>/ — commit that file with the fix, so it
# stays a regression case forever.
#
# Sourced by scripts/test; also runs on its own: bash scripts/test.d/50-fuzz.sh

if ! declare -F step >/dev/null; then # on its own, not sourced by scripts/test
  set -euo pipefail
  cd "$(dirname "${BASH_SOURCE[0]}")/../.."
  step() { printf '\n== %s\n' "$*"; }
fi

fuzz_time=${PATCHBAY_FUZZTIME:-10s}
fuzz_targets=(
  "./internal/mcp FuzzPeek"                      # MCP request envelopes (JSON-RPC bodies)
  "./internal/mcp FuzzTokenPathAndSource"        # /mcp/{token} paths, X-Forwarded-For
  "./internal/app FuzzMCPEndpoint"               # the whole MCP endpoint
  "./internal/app FuzzFastPathMatchesSDK"        # MCP fast path answers as the go-sdk does
  "./internal/app FuzzAdminAPI"                  # admin API bodies
  "./internal/app FuzzRedactPath"                # tokens kept out of the access log
  "./internal/upstream FuzzToolArguments"        # tool arguments: decode, validate, build
  "./internal/upstream FuzzPathParam"            # path templating and escaping
  "./internal/upstream FuzzCursor"               # cursors passed back to Gong
  "./internal/upstream FuzzMapResponse"          # Gong's answers, cursors and rate limits
  "./internal/finder FuzzRunArguments"           # finder arguments and their cursors
  "./internal/fit FuzzParse"                     # answer-budget cursors passed back
  "./internal/integration FuzzCleanDescription"  # OpenAPI description cleaning
  "./internal/integration FuzzSchemaJSON"        # OpenAPI schema conversion
  "./internal/integration FuzzLoad"              # integration.yaml and documentation records
  "./internal/store FuzzCleanText"               # audit-entry cleaning (NUL, UTF-8, bounds)
)

step "fuzzing: ${#fuzz_targets[@]} targets, $fuzz_time each"
fuzz_log=$(mktemp)
for entry in "${fuzz_targets[@]}"; do
  read -r pkg target <<<"$entry"
  printf -- '-- %s %s\n' "$pkg" "$target"
  if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzz_time" "$pkg" >"$fuzz_log" 2>&1; then
    cat "$fuzz_log"
    echo "fuzzing $target found a failure; the input is under $pkg/testdata/fuzz/$target/ — fix the bug and commit that file"
    exit 1
  fi
  grep -E '^fuzz: elapsed' "$fuzz_log" | tail -n 1 || true
done
rm -f "$fuzz_log"
