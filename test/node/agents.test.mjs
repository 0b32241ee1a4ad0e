// The OpenAI Agents SDK's MCP client (no model call): it negotiates
// 2026-07-28 and rejects a tools/call result without resultType.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MCPServerStreamableHttp, getAllMcpTools } from "@openai/agents";
import { env, withBackoff, usersTool, checkUsers, newServer } from "./helpers.mjs";

// spy records the protocol revision and the raw tools/call answers the
// SDK sees on the wire.
function spy() {
  const seen = { versions: new Set(), callResults: [] };
  seen.fetch = async (url, init) => {
    const res = await fetch(url, init);
    const v = new Headers(init?.headers).get("mcp-protocol-version");
    if (v) seen.versions.add(v);
    const body = typeof init?.body === "string" ? JSON.parse(init.body) : null;
    if (body?.method === "tools/call" && (res.headers.get("content-type") || "").startsWith("application/json")) {
      seen.callResults.push(await res.clone().json());
    }
    return res;
  };
  return seen;
}

test("MCPServerStreamableHttp lists tools and calls one at 2026-07-28", async () => {
  const seen = spy();
  const server = new MCPServerStreamableHttp({ url: env.url, name: "patchbay", cacheToolsList: true, fetch: seen.fetch });
  await server.connect();
  try {
    const tools = await server.listTools();
    assert.ok(tools.some((t) => t.name === usersTool));
    const res = await withBackoff(async () => {
      const r = await server.callToolResult(usersTool, {});
      return r;
    });
    assert.ok(!res.isError, JSON.stringify(res.content));
    checkUsers(JSON.parse(res.content[0].text));

    assert.ok(seen.versions.has("2026-07-28"), `negotiated ${[...seen.versions]}`);
    assert.ok(seen.callResults.length > 0, "a tools/call answer was seen");
    for (const r of seen.callResults) assert.equal(r.result.resultType, "complete", "resultType is set on tools/call results");

    // Which schemas OpenAI's strict function calling accepts: every tool
    // converts (non-strict fallbacks are allowed, failures are not).
    const fnTools = await getAllMcpTools({ mcpServers: [server], convertSchemasToStrict: true });
    assert.equal(fnTools.length, tools.length);
  } finally {
    await server.close();
  }
});

test("MCPServerStreamableHttp with search_fetch: search then fetch, as deep research does", async () => {
  const srv = await newServer({ search_fetch: true, tags: ["calls"] });
  const server = new MCPServerStreamableHttp({ url: srv.url, name: "patchbay-research" });
  await server.connect();
  try {
    const names = (await server.listTools()).map((t) => t.name);
    assert.ok(names.includes("search") && names.includes("fetch"), `tools: ${names}`);
    const found = await withBackoff(() => server.callToolResult("search", { query: "Initech" }));
    assert.ok(!found.isError, JSON.stringify(found.content));
    const { results } = JSON.parse(found.content[0].text);
    assert.ok(results.length > 0, "calls with Initech found");
    for (const r of results) {
      assert.match(r.id, /^[0-9]+$/);
      assert.ok(r.title && r.url, "results carry title and url");
    }
    const got = await withBackoff(() => server.callToolResult("fetch", { id: results[0].id }));
    assert.ok(!got.isError, JSON.stringify(got.content));
    const doc = JSON.parse(got.content[0].text);
    assert.equal(doc.id, results[0].id);
    assert.equal(doc.title, results[0].title);
    assert.equal(doc.url, results[0].url);
    assert.match(doc.text, /^\[\d\d:\d\d\] .+: /m, "the transcript as speaker lines");
    assert.ok(doc.metadata.started && doc.metadata.parties.length > 0);
    assert.ok(doc.metadata.accounts.includes("Initech"));

    const missing = await withBackoff(() => server.callToolResult("fetch", { id: "123" }));
    assert.ok(missing.isError, "an unknown id is an error result");
  } finally {
    await server.close();
  }
});
