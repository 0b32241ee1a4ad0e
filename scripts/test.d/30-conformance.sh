# The official MCP conformance suite against `patchbay demo`: 0.1.16 (npm
# latest) with every scenario, and the 2026-07-28 scenarios of the newest
# pre-release. test/conformance pins both and Node 22 (the suite needs
# Node 22 or later), whose bin dir goes first on PATH for these runs only.
# The expected-failures files list only what needs the suite's fixtures.
step "npm packages for the conformance suite"
(cd test/conformance && npm ci --no-audit --no-fund --loglevel=error)

step "patchbay demo + MCP conformance 0.1.16 (all scenarios)"
start_demo conformance
(
  cd test/conformance
  export PATH="$PWD/node_modules/.bin:$PATH"
  node --version
  conformance server --url "$mcp_url" \
    --expected-failures expected-failures.yml -o "$work/conformance-0.1.16"
)

step "MCP conformance 0.2.0-alpha.12: server-stateless, http-header-validation, caching (2026-07-28)"
(
  cd test/conformance
  export PATH="$PWD/node_modules/.bin:$PATH"
  for scenario in server-stateless http-header-validation caching; do
    node node_modules/conformance-next/dist/index.js server --url "$mcp_url" --scenario "$scenario" \
      --expected-failures expected-failures-2026-07-28.yml -o "$work/conformance-2026-07-28"
  done
)
stop_demo
