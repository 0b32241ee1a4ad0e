// A real MCP client (the official TypeScript SDK) against `patchbay demo`.
// scripts/test starts the demo and passes its printed MCP URL in MCP_URL.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const url = process.env.MCP_URL;
assert.ok(url, "MCP_URL must be set (scripts/test sets it)");

const fixed = {
  list_all_gong_calls: true,
  get_single_gong_call_by_id: true,
  create_a_gong_call: false,
  create_a_gong_calls_transcript: true,
  create_a_gong_activity_aggregate_by_period: true,
  list_all_gong_entities_get_briefs: true,
  list_all_gong_users: true,
};

async function connect() {
  const client = new Client({ name: "patchbay-smoke", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

function answer(res) {
  assert.equal(res.content.length, 1);
  return JSON.parse(res.content[0].text);
}

// call runs a tool the way a well-behaved agent does: the demo's sandbox
// keeps Gong's 3 calls/second limit, and Patchbay passes a 429 straight
// back with retry_after_seconds, so back off and try again.
async function call(client, name, args) {
  for (let attempt = 0; ; attempt++) {
    const res = await client.callTool({ name, arguments: args });
    const body = answer(res);
    const rl = res.isError && body.error && body.error.status === 429 ? body.error.rate_limit : null;
    if (!rl || attempt === 5) {
      assert.ok(!res.isError, `${name}: ${res.content[0].text}`);
      return body;
    }
    await new Promise((r) => setTimeout(r, Math.max(1, rl.retry_after_seconds) * 1000));
  }
}

test("lists the fixed Gong tools with annotations", async () => {
  const client = await connect();
  try {
    const tools = [];
    let cursor;
    do {
      const page = await client.listTools(cursor ? { cursor } : {});
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    const byName = new Map(tools.map((t) => [t.name, t]));
    for (const [name, readOnly] of Object.entries(fixed)) {
      const tool = byName.get(name);
      assert.ok(tool, `${name} is listed`);
      assert.equal(tool.annotations.readOnlyHint, readOnly, `${name} readOnlyHint`);
      assert.equal(typeof tool.annotations.destructiveHint, "boolean");
      assert.equal(typeof tool.annotations.idempotentHint, "boolean");
      assert.equal(tool.annotations.openWorldHint, true);
      assert.ok(tool.annotations.title);
      assert.equal(tool.inputSchema.type, "object");
    }
  } finally {
    await client.close();
  }
});

test("gets real sandbox data through the tools", async () => {
  const client = await connect();
  try {
    const to = new Date();
    const from = new Date(to.getTime() - 30 * 86400e3);
    const calls = await call(client, "list_all_gong_calls", { fromDateTime: from.toISOString(), toDateTime: to.toISOString() });
    assert.ok(calls.result.length > 0, "calls in the last 30 days");
    const id = calls.result[0].id;
    assert.match(id, /^[0-9]{17,20}$/, "ids stay large numeric strings");

    const one = await call(client, "get_single_gong_call_by_id", { id });
    assert.equal(one.call.id, id);

    const tr = await call(client, "create_a_gong_calls_transcript", { callIds: [id] });
    assert.equal(tr.result.length, 1);
    assert.equal(tr.result[0].callId, id);
    assert.ok(tr.result[0].transcript.length > 0);

    const users = await call(client, "list_all_gong_users", {});
    assert.ok(users.result.length > 0);
    assert.ok(users.result[0].emailAddress);
  } finally {
    await client.close();
  }
});
