// The official TypeScript SDK client through `patchbay stdio`: the bridge
// to the MCP URL (--url) and one server straight from the database
// (--server), and the bridge's shutdown on stdin EOF and SIGTERM.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { env, withBackoff, okJSON, newServer, usersTool, checkUsers } from "./helpers.mjs";

assert.ok(env.bin, "PATCHBAY_BIN must be set");

async function viaStdio(args) {
  const transport = new StdioClientTransport({ command: env.bin, args, stderr: "pipe" });
  let stderr = "";
  transport.stderr?.on("data", (d) => (stderr += d));
  const client = new Client({ name: "patchbay-stdio-test", version: "1.0.0" });
  try {
    await client.connect(transport);
  } catch (err) {
    throw new Error(`${err.message}; stderr: ${stderr}`);
  }
  return client;
}

test("StdioClientTransport through patchbay stdio --url", async () => {
  const client = await viaStdio(["stdio", "--url", env.url]);
  try {
    assert.equal(client.getServerVersion().name, "patchbay");
    const { tools } = await client.listTools();
    assert.ok(tools.length > 10);
    const res = await withBackoff(() => client.callTool({ name: usersTool, arguments: {} }));
    checkUsers(okJSON(res, usersTool));
  } finally {
    await client.close();
  }
});

test("patchbay stdio --url passes --header (require_api_token_auth)", async () => {
  const srv = await newServer({ require_api_token_auth: true });
  const client = await viaStdio(["stdio", "--url", srv.url, "--header", `Authorization: Bearer ${env.apiToken}`]);
  try {
    const res = await withBackoff(() => client.callTool({ name: usersTool, arguments: {} }));
    checkUsers(okJSON(res, usersTool));
  } finally {
    await client.close();
  }
  // Without the header the HTTP 401 comes back as a JSON-RPC error.
  await assert.rejects(viaStdio(["stdio", "--url", srv.url]), /401/);
});

test("StdioClientTransport through patchbay stdio --server (from the database)", async () => {
  assert.ok(env.dataDir, "DEMO_DATA_DIR must be set");
  const srv = await newServer({ tags: ["users"] });
  const client = await viaStdio(["stdio", "--server", srv.id, "--data-dir", env.dataDir]);
  try {
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === usersTool), "the server's filter applies");
    assert.ok(!tools.some((t) => t.name === "list_all_gong_calls"), "tools outside the filter are not listed");
    const res = await withBackoff(() => client.callTool({ name: usersTool, arguments: {} }));
    checkUsers(okJSON(res, usersTool));
  } finally {
    await client.close();
  }
});

// raw starts the bridge, initializes by hand and returns the process.
async function raw() {
  const p = spawn(env.bin, ["stdio", "--url", env.url], { stdio: ["pipe", "pipe", "inherit"] });
  p.stdin.write(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } } }) + "\n");
  const [chunk] = await once(p.stdout, "data");
  const answer = JSON.parse(chunk.toString().split("\n")[0]);
  assert.equal(answer.id, 1);
  assert.equal(answer.result.protocolVersion, "2025-11-25", "the server's negotiated revision is passed through");
  return p;
}

test("the bridge exits 0 when stdin closes", async () => {
  const p = await raw();
  p.stdin.end();
  const [code] = await once(p, "exit");
  assert.equal(code, 0);
});

test("the bridge exits 0 on SIGTERM", async () => {
  const p = await raw();
  p.kill("SIGTERM");
  const [code, signal] = await once(p, "exit");
  assert.equal(signal, null, "handled, not killed by the signal");
  assert.equal(code, 0);
});
