// The official TypeScript SDK client over the legacy HTTP+SSE transport,
// and what ChatGPT, browsers and probing clients get from the endpoint.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { env, withBackoff, okJSON, newServer, usersTool, checkUsers } from "./helpers.mjs";

async function listAndCall(client) {
  const { tools } = await client.listTools();
  assert.ok(tools.some((t) => t.name === usersTool), `${usersTool} is listed`);
  const res = await withBackoff(() => client.callTool({ name: usersTool, arguments: {} }));
  checkUsers(okJSON(res, usersTool));
}

test("TypeScript SDK over HTTP+SSE (2024-11-05) at /sse", async () => {
  const client = new Client({ name: "patchbay-sse-test", version: "1.0.0" });
  const transport = new SSEClientTransport(new URL(env.url + "/sse"));
  await client.connect(transport);
  try {
    assert.equal(client.getServerVersion().name, "patchbay");
    await listAndCall(client);
  } finally {
    await client.close();
  }
});

test("a Streamable HTTP client given the /sse URL is served too", async () => {
  // ChatGPT and others try Streamable HTTP first on whatever URL is pasted.
  const client = new Client({ name: "patchbay-sse-url-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(env.url + "/sse")));
  try {
    await listAndCall(client);
  } finally {
    await client.close();
  }
});

test("SSE honours require_api_token_auth on the stream and on every message", async () => {
  const srv = await newServer({ require_api_token_auth: true });
  const denied = await fetch(srv.url + "/sse", { headers: { Accept: "text/event-stream" } });
  assert.equal(denied.status, 401);
  assert.match(denied.headers.get("www-authenticate") || "", /^Bearer/);
  await denied.body?.cancel();

  const auth = { Authorization: `Bearer ${env.apiToken}` };
  const client = new Client({ name: "patchbay-sse-auth-test", version: "1.0.0" });
  const transport = new SSEClientTransport(new URL(srv.url + "/sse"), {
    requestInit: { headers: auth },
    eventSourceInit: { fetch: (u, init) => fetch(u, { ...init, headers: { ...(init?.headers || {}), ...auth } }) },
  });
  await client.connect(transport);
  try {
    await listAndCall(client);
  } finally {
    await client.close();
  }
});

test("GET and DELETE on the MCP URL answer 405 (no stream, no session), with a hint", async () => {
  for (const [method, headers] of [
    ["GET", { Accept: "text/event-stream" }],
    ["GET", { Accept: "text/event-stream", "MCP-Protocol-Version": "2025-11-25" }],
    ["DELETE", { "Mcp-Session-Id": "x", "MCP-Protocol-Version": "2025-06-18" }],
    ["DELETE", { "MCP-Protocol-Version": "2026-07-28" }],
  ]) {
    const res = await fetch(env.url, { method, headers });
    assert.equal(res.status, 405, `${method} ${JSON.stringify(headers)}`);
    assert.equal(res.headers.get("allow"), "POST");
    const body = await res.json();
    assert.match(body.message, /\/sse/);
  }
});

test("an unknown session on the SSE message endpoint is 404", async () => {
  const res = await fetch(env.url + "/message?sessionid=nope", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
  });
  assert.equal(res.status, 404);
});

test("CORS: allowed origins get preflight answers and readable headers", async () => {
  for (const origin of ["https://chatgpt.com", "https://claude.ai", "http://localhost:6274"]) {
    const pre = await fetch(env.url, {
      method: "OPTIONS",
      headers: { Origin: origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type, mcp-protocol-version, authorization" },
    });
    assert.equal(pre.status, 204, origin);
    assert.equal(pre.headers.get("access-control-allow-origin"), origin);
    assert.match(pre.headers.get("access-control-allow-methods"), /POST/);
    assert.match(pre.headers.get("access-control-allow-headers").toLowerCase(), /mcp-protocol-version/);

    const res = await fetch(env.url, {
      method: "POST",
      headers: { Origin: origin, "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "browser", version: "1" } } }),
    });
    assert.equal(res.status, 200, origin);
    assert.equal(res.headers.get("access-control-allow-origin"), origin);
    assert.match(res.headers.get("access-control-expose-headers"), /Mcp-Session-Id/);
    assert.match(res.headers.get("access-control-expose-headers"), /WWW-Authenticate/);
    await res.text();
  }
});

test("Origin and Host outside the allow-list get 403", async () => {
  const res = await fetch(env.url, {
    method: "POST",
    headers: { Origin: "https://evil.example", "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
  });
  assert.equal(res.status, 403);
  assert.equal(res.headers.get("access-control-allow-origin"), null);

  // DNS rebinding: the demo listens on loopback, so Host must be loopback.
  const u = new URL(env.url);
  const status = await new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: "POST", headers: { Host: "evil.example", "Content-Type": "application/json" } }, (r) => {
      r.resume();
      resolve(r.statusCode);
    });
    req.on("error", reject);
    req.end(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }));
  });
  assert.equal(status, 403);
});

test("a client that only accepts application/json is answered", async () => {
  const res = await fetch(env.url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-03-26", capabilities: {}, clientInfo: { name: "curl", version: "1" } } }),
  });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.result.protocolVersion, "2025-03-26");
});
