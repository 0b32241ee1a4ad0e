// Command-line MCP clients: mcp-remote (the stdio proxy desktop clients
// use for remote servers) and MCP Inspector's CLI mode.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { env, withBackoff, okJSON, usersTool, checkUsers, rateLimited, sleep } from "./helpers.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const bin = (name) => join(here, "node_modules", ".bin", name);
const run = promisify(execFile);

for (const transport of ["http-only", "sse-only"]) {
  test(`mcp-remote (${transport}) lists tools and calls one`, async () => {
    const configDir = await mkdtemp(join(tmpdir(), "mcp-remote-"));
    const url = transport === "sse-only" ? env.url + "/sse" : env.url;
    const client = new Client({ name: "patchbay-mcp-remote-test", version: "1.0.0" });
    const stdio = new StdioClientTransport({
      command: process.execPath,
      args: [bin("mcp-remote"), url, "--transport", transport],
      env: { ...process.env, MCP_REMOTE_CONFIG_DIR: configDir },
      stderr: "pipe",
    });
    let stderr = "";
    stdio.stderr?.on("data", (d) => (stderr += d));
    try {
      await client.connect(stdio).catch((err) => {
        throw new Error(`${err.message}; mcp-remote said: ${stderr.slice(-2000)}`);
      });
      const { tools } = await client.listTools();
      assert.ok(tools.some((t) => t.name === usersTool));
      const res = await withBackoff(() => client.callTool({ name: usersTool, arguments: {} }));
      checkUsers(okJSON(res, usersTool));
    } finally {
      await client.close();
      await rm(configDir, { recursive: true, force: true });
    }
  });
}

// inspector runs MCP Inspector's CLI mode and parses its JSON output.
// (inspector-cli 1.0.3 finds its own package.json through the working
// directory, so it runs from node_modules.)
async function inspector(...args) {
  const { stdout } = await run(process.execPath, [bin("mcp-inspector-cli"), "--cli", ...args], {
    cwd: join(here, "node_modules"),
    timeout: 60_000,
    maxBuffer: 32 << 20,
  });
  return JSON.parse(stdout);
}

async function inspectorCall(...args) {
  for (let attempt = 0; ; attempt++) {
    const res = await inspector(...args);
    const rl = rateLimited(res);
    if (!rl || attempt === 5) return res;
    await sleep(Math.max(1, rl.retry_after_seconds || 1) * 1000);
  }
}

for (const [transport, url] of [["http", () => env.url], ["sse", () => env.url + "/sse"]]) {
  test(`MCP Inspector CLI (--transport ${transport}) lists tools and calls one`, async () => {
    const list = await inspector(url(), "--transport", transport, "--method", "tools/list");
    assert.ok(list.tools.some((t) => t.name === usersTool));
    const res = await inspectorCall(url(), "--transport", transport, "--method", "tools/call", "--tool-name", usersTool);
    checkUsers(okJSON(res, usersTool));
  });
}
