# OAuth for MCP clients (issue 11) against `patchbay demo`:
#  1. the official TypeScript SDK client (test/oauth) registers, passes the
#     real dashboard sign-in and consent forms (signing in with the demo's
#     API token), lists and calls tools on /mcp/oauth/{id}, /mcp/oauth and a
#     require_api_token_auth token URL, refreshes after 3 s access tokens,
#     is cut off by revocation, and connects once as a Client ID Metadata
#     Document client (an https document server with a throwaway CA the
#     demo trusts through --oauth-cimd-ca);
#  2. the conformance suite's authorization-server scenarios (0.2.0-alpha.12
#     `authorization` mode), with --oauth-auto-approve answering the
#     authorization URL the suite prints.
# Node 22 comes from test/oauth's node package; its bin dir goes first on
# PATH for these runs only.
#
# Sourced by scripts/test (which provides step, $work, start_demo and
# stop_demo and builds $work/patchbay).

step "npm packages for the OAuth tests"
(cd test/oauth && npm ci --no-audit --no-fund --loglevel=error)

step "patchbay demo (3 s access tokens, a test CA for metadata documents) + the TypeScript SDK through OAuth"
# A throwaway certificate for 127.0.0.1, made with the Go toolchain's own
# generator (no openssl needed).
mkdir -p "$work/oauth-cimd"
(cd "$work/oauth-cimd" && go run "$(go env GOROOT)/src/crypto/tls/generate_cert.go" \
  --host 127.0.0.1 --ecdsa-curve P256 --duration 2h --ca 2>/dev/null)
mv "$work/oauth-cimd/cert.pem" "$work/oauth-cimd-cert.pem"
mv "$work/oauth-cimd/key.pem" "$work/oauth-cimd-key.pem"
start_demo oauth --oauth-access-ttl 3s --oauth-cimd-ca "$work/oauth-cimd-cert.pem"
oauth_url=$(sed -n 's/^OAuth MCP URL: //p' "$work/oauth.out")
picker_url=$(sed -n 's/^OAuth picker URL: //p' "$work/oauth.out")
[[ -n "$oauth_url" && -n "$picker_url" ]] || { cat "$work/oauth.out"; echo "demo printed no OAuth URLs"; exit 1; }
(
  cd test/oauth
  export PATH="$PWD/node_modules/.bin:$PATH"
  node --version
  MCP_URL="$mcp_url" ADMIN_URL="$admin_url" API_TOKEN="$api_token" OAUTH_URL="$oauth_url" PICKER_URL="$picker_url" \
    ACCESS_TTL_SECONDS=3 CIMD_CERT="$work/oauth-cimd-cert.pem" CIMD_KEY="$work/oauth-cimd-key.pem" \
    node --test --test-concurrency=1 --test-timeout=180000 ./*.test.mjs
)
stop_demo

step "MCP conformance 0.2.0-alpha.12: authorization server scenarios (demo with --oauth-auto-approve)"
start_demo oauth-conformance --oauth-auto-approve
picker_url=$(sed -n 's/^OAuth picker URL: //p' "$work/oauth-conformance.out")
(
  cd test/oauth
  export PATH="$PWD/node_modules/.bin:$PATH"
  port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  client_id=$(curl -sf -X POST "$admin_url/oauth/register" -H 'Content-Type: application/json' \
    -d "{\"client_name\":\"MCP conformance suite\",\"redirect_uris\":[\"http://127.0.0.1:$port/callback\"]}" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).client_id))')
  log="$work/conformance-authorization.log"
  timeout 180 conformance authorization --url "$admin_url" --client-id "$client_id" --resource "$picker_url" \
    --port "$port" -o "$work/conformance-authorization" >"$log" 2>&1 &
  suite=$!
  # The code-grant scenario prints an authorization URL and waits for its
  # callback: auto-approve answers it with a redirect to that callback.
  auth=""
  for _ in $(seq 1 600); do
    auth=$(grep -m1 -o "^$admin_url/oauth/authorize?[^ ]*" "$log" || true)
    [[ -n "$auth" ]] && break
    kill -0 "$suite" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -n "$auth" ]]; then
    curl -sf -L -o /dev/null "$auth" || echo "following the authorization URL failed"
  fi
  rc=0
  wait "$suite" || rc=$?
  cat "$log"
  [[ -n "$auth" ]] || { echo "the suite printed no authorization URL"; exit 1; }
  exit "$rc"
)
stop_demo
