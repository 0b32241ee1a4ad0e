# Real MCP clients against `patchbay demo` (test/node): the official
# TypeScript SDK over Streamable HTTP, HTTP+SSE and `patchbay stdio` (both
# modes), the OpenAI Agents SDK, mcp-remote and MCP Inspector's CLI; plus
# what browsers and ChatGPT get (CORS, Origin/Host, GET/DELETE) and the
# search/fetch tools. The sandbox keeps Gong's 3 calls/second limit, so the
# files run one at a time and every tool call backs off on a 429.
step "npm packages for the real-client tests"
(cd test/node && npm ci --no-audit --no-fund --loglevel=error)

step "patchbay demo + real MCP clients"
start_demo clients
(cd test/node && MCP_URL="$mcp_url" ADMIN_URL="$admin_url" API_TOKEN="$api_token" \
  PATCHBAY_BIN="$work/patchbay" DEMO_DATA_DIR="$work/clients-data" \
  node --test --test-concurrency=1 --test-timeout=180000 ./*.test.mjs)

step "graceful shutdown"
stop_demo
