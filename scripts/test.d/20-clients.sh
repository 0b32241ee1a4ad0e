# Real MCP clients against `patchbay demo`.
step "npm packages for the real-client tests"
(cd test/node && npm ci --no-audit --no-fund --loglevel=error)

step "patchbay demo + the official TypeScript SDK client"
start_demo clients
(cd test/node && MCP_URL="$mcp_url" node --test smoke.test.mjs)

step "graceful shutdown"
stop_demo
