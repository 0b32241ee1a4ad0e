# `patchbay demo` twice on one data dir: what the first run made keeps working.
step "patchbay demo keeps its account, servers and tokens across restarts"
start_demo restart
first_path=${mcp_url#"$admin_url"}   # /mcp/<token>; the port changes between runs
first_token=$api_token
stop_demo
start_demo restart
list='{"jsonrpc":"2.0","id":1,"method":"tools/list"}'
for u in "$admin_url$first_path" "$mcp_url"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' -d "$list" "$u")
  [[ $code == 200 ]] || { echo "an MCP URL answered $code after the restart"; exit 1; }
done
accounts=$(curl -s -H "Authorization: Bearer $first_token" "$admin_url/integrated-account")
n=$(grep -o '"integration":"gong"' <<<"$accounts" | wc -l)
[[ $n == 1 ]] || { echo "the first API token sees $n Gong accounts after the restart, want 1: $accounts"; exit 1; }
stop_demo
echo "demo restart: first MCP URL, new MCP URL and first API token all work"
