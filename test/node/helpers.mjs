// Shared by the real-client tests. scripts/test.d/20-clients.sh starts
// `patchbay demo` and passes what it printed in the environment.
import assert from "node:assert/strict";

export const env = {
  url: process.env.MCP_URL,
  adminURL: process.env.ADMIN_URL,
  apiToken: process.env.API_TOKEN,
  bin: process.env.PATCHBAY_BIN,
  dataDir: process.env.DEMO_DATA_DIR,
};
assert.ok(env.url, "MCP_URL must be set (scripts/test sets it)");

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// rateLimited reads a tool result the way an agent does: Patchbay passes
// the Gong sandbox's 429 (3 calls/second) straight back as an isError
// result with error.rate_limit.retry_after_seconds.
export function rateLimited(res) {
  if (!res || !res.isError || !Array.isArray(res.content) || !res.content[0]) return null;
  try {
    const body = JSON.parse(res.content[0].text);
    return body.error && body.error.status === 429 ? body.error.rate_limit || { retry_after_seconds: 1 } : null;
  } catch {
    return null;
  }
}

// withBackoff runs fn (one tool call) until it is not rate-limited, up to
// 6 attempts, sleeping what the answer says.
export async function withBackoff(fn) {
  for (let attempt = 0; ; attempt++) {
    const res = await fn();
    const rl = rateLimited(res);
    if (!rl || attempt === 5) return res;
    await sleep(Math.max(1, rl.retry_after_seconds || 1) * 1000);
  }
}

// okJSON asserts a successful tool result with one JSON text item.
export function okJSON(res, what) {
  assert.ok(!res.isError, `${what}: ${JSON.stringify(res.content)}`);
  assert.equal(res.content.length, 1, `${what}: one content item`);
  assert.equal(res.content[0].type, "text");
  return JSON.parse(res.content[0].text);
}

// admin calls the admin API with the demo's API token.
export async function admin(method, path, body) {
  const res = await fetch(env.adminURL + path, {
    method,
    headers: { Authorization: `Bearer ${env.apiToken}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

// newServer creates an MCP server on the demo's sandbox account.
export async function newServer(config) {
  const accounts = await admin("GET", "/integrated-account");
  const acct = accounts.result[0].id;
  return admin("POST", `/integrated-account/${acct}/mcp`, { name: "client test", config });
}

// The users tool takes no arguments and always answers: the call every
// client below makes.
export const usersTool = "list_all_gong_users";

export function checkUsers(body) {
  assert.ok(Array.isArray(body.result) && body.result.length > 0, "users listed");
  assert.ok(body.result[0].emailAddress, "a user has an email address");
}
