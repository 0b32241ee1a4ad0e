// OAuth end to end: the official TypeScript SDK client against
// `patchbay demo`, through the real dashboard sign-in and consent forms.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import https from "node:https";

import {
  env, admin, demoAccount, Browser, MemoryProvider, authorize, callUsers, consent, hiddenInputs, sleep, UnauthorizedError,
} from "./helpers.mjs";

const base = new URL(env.base).origin;

async function rawMCP(url, bearer) {
  return fetch(url, {
    method: "POST",
    headers: {
      "Content-Type": "application/json", Accept: "application/json, text/event-stream",
      ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}),
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } } }),
  });
}

async function grantsOf(serverID) {
  return (await admin("GET", `/oauth-grants?mcp_server_id=${encodeURIComponent(serverID)}`)).result;
}

test("discovery: metadata documents, the challenge, and plain token URLs stay without OAuth", async () => {
  const as = await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json();
  assert.equal(as.issuer, base);
  assert.deepEqual(as.code_challenge_methods_supported, ["S256"]);
  assert.equal(as.client_id_metadata_document_supported, true);
  assert.equal(as.authorization_response_iss_parameter_supported, true);
  assert.deepEqual(as.token_endpoint_auth_methods_supported, ["none"]);
  assert.ok(as.registration_endpoint);
  const oidc = await (await fetch(`${base}/.well-known/openid-configuration`)).json();
  assert.equal(oidc.issuer, base);
  const root = await fetch(`${base}/.well-known/oauth-protected-resource`);
  assert.equal(root.headers.get("access-control-allow-origin"), "*");
  assert.equal((await root.json()).resource, env.pickerURL, "the root document names the picker");
  const path = new URL(env.serverURL).pathname;
  for (const u of [`${base}/.well-known/oauth-protected-resource${path}`, `${env.serverURL}/.well-known/oauth-protected-resource`]) {
    const prm = await (await fetch(u)).json();
    assert.equal(prm.resource, env.serverURL, u);
    assert.deepEqual(prm.authorization_servers, [base]);
    assert.deepEqual(prm.scopes_supported, ["mcp"]);
  }
  const res = await rawMCP(env.serverURL);
  assert.equal(res.status, 401);
  assert.equal(res.headers.get("www-authenticate"),
    `Bearer resource_metadata="${base}/.well-known/oauth-protected-resource${path}", scope="mcp", error="invalid_token"`);
  // A plain token URL: 404 on every discovery path, and it still answers.
  const plain = new URL(process.env.MCP_URL);
  for (const name of ["oauth-protected-resource", "oauth-authorization-server", "openid-configuration"]) {
    for (const u of [`${base}/.well-known/${name}${plain.pathname}`, `${plain.href}/.well-known/${name}`]) {
      assert.equal((await fetch(u)).status, 404, `${name} for a plain token URL`);
    }
  }
  assert.equal((await rawMCP(plain.href)).status, 200, "a plain token URL needs no sign-in");
});

test("per-server URL: register, sign in, consent, tools, refresh, revocation", async () => {
  const provider = new MemoryProvider();
  const browser = new Browser();
  const { client, html } = await authorize(env.serverURL, provider, browser);
  assert.match(html, /Demo: every Gong tool/, "consent names the fixed server");
  assert.match(html, /127\.0\.0\.1:8976/, "consent shows the redirect host");
  assert.ok(provider.clientInformation().client_id.startsWith("pbc_"), "registered dynamically");
  const tools = await client.listTools();
  assert.ok(tools.tools.length > 10, "tools listed");
  await callUsers(client);

  const serverID = new URL(env.serverURL).pathname.split("/").pop();
  const grant = (await grantsOf(serverID)).find((g) => g.client_id === provider.clientInformation().client_id);
  assert.ok(grant, "the grant is listed in the admin API");
  assert.match(grant.approved_by, /API token/);

  // Access tokens live ACCESS_TTL seconds here: the SDK refreshes.
  const first = provider.tokens();
  assert.ok(first.refresh_token?.startsWith("pb_ort_"), "a refresh token without offline_access");
  await sleep(env.accessTTL * 1000 + 700);
  await callUsers(client);
  const second = provider.tokens();
  assert.notEqual(second.access_token, first.access_token, "a new access token");
  assert.notEqual(second.refresh_token, first.refresh_token, "the refresh token rotated");

  const log = await admin("GET", `/log?mcp_server_id=${serverID}&limit=20`);
  assert.ok(JSON.stringify(log).includes("(OAuth client: Patchbay OAuth test)"), "the audit log names the OAuth client");

  // Revocation cuts the client off: its access token is refused, and its
  // refresh token too, so the SDK wants a new authorization.
  await admin("DELETE", `/oauth-grants/${grant.id}`);
  assert.equal((await rawMCP(env.serverURL, second.access_token)).status, 401, "the revoked access token is refused");
  await assert.rejects(client.callTool({ name: "list_all_gong_users", arguments: {} }), UnauthorizedError, "after revocation the client must authorize again");
  assert.ok(provider.authURL, "the SDK started a new authorization");
  await client.close();
});

test("picker URL: the server is chosen (here created) at consent; tokens stay on their URL", async () => {
  const provider = new MemoryProvider({ name: "Picker test" });
  const browser = new Browser();
  const account = await demoAccount();
  const { client, html } = await authorize(env.pickerURL, provider, browser, {
    choose: { server: "new", new_account: account, new_name: "Picked at consent", new_methods: "read", new_expires: "24h" },
  });
  assert.match(html, /Which MCP server may it use/, "the picker asks for a server");
  await callUsers(client);
  const servers = (await admin("GET", `/integrated-account/${account}/mcp`)).result;
  const picked = servers.find((s) => s.name === "Picked at consent");
  assert.ok(picked && picked.config.oauth && picked.expires_at, "the new server has OAuth on and an expiry");
  assert.equal((await grantsOf(picked.id)).length, 1);
  // Audience: a picker token is not a token for the per-server URL.
  const tok = provider.tokens().access_token;
  assert.equal((await rawMCP(env.pickerURL, tok)).status, 200);
  assert.equal((await rawMCP(env.serverURL, tok)).status, 401, "a picker token is refused at /mcp/oauth/{id}");
  assert.equal((await rawMCP(picked.oauth_url, tok)).status, 401, "even at its own server's per-server URL");

  // The dashboard lists the grant; its Revoke form (CSRF-protected) ends it.
  const page = await browser.request(`${base}/ui/oauth`);
  assert.equal(page.status, 200);
  const html2 = await page.text();
  assert.match(html2, /Picker test/, "the OAuth page lists the grant");
  const grantID = (await grantsOf(picked.id))[0].id;
  const csrf = hiddenInputs(html2).find(([k]) => k === "csrf_token")[1];
  const forged = await browser.request(`${base}/ui/oauth/grants/${grantID}/revoke`, { method: "POST", form: [["csrf_token", "forged"]] });
  assert.equal(forged.status, 403, "revocation needs the CSRF token");
  const revoked = await browser.request(`${base}/ui/oauth/grants/${grantID}/revoke`, { method: "POST", form: [["csrf_token", csrf]] });
  assert.equal(revoked.status, 303);
  assert.equal((await rawMCP(env.pickerURL, tok)).status, 401, "revoked in the dashboard: the token is refused");
  assert.equal((await grantsOf(picked.id)).length, 0);
  await client.close();
});

test("require_api_token_auth token URL: OAuth in place of the API token", async () => {
  const account = await demoAccount();
  const srv = await admin("POST", `/integrated-account/${account}/mcp`, { name: "API token + OAuth", config: { require_api_token_auth: true, oauth: true } });
  const path = new URL(srv.url).pathname;
  const denied = await rawMCP(srv.url);
  assert.equal(denied.status, 401);
  assert.match(denied.headers.get("www-authenticate"), new RegExp(`resource_metadata="${base}/.well-known/oauth-protected-resource${path}"`));
  assert.equal((await rawMCP(srv.url, env.apiToken)).status, 200, "the API token still works");
  const provider = new MemoryProvider({ name: "Token URL test" });
  const { client, html } = await authorize(srv.url, provider, new Browser());
  assert.match(html, /API token (\+|&#43;) OAuth/, "consent names the token URL's server");
  const shown = html.match(/<dt>For the MCP URL<\/dt>\s*<dd><code>([^<]*)<\/code>/);
  assert.ok(shown && !shown[1].includes(path.slice(5)), "consent does not show the URL's token");
  await callUsers(client);
  const grants = await grantsOf(srv.id);
  assert.equal(grants.length, 1);
  assert.ok(!grants[0].resource.includes(path.slice(5)), "the grant keeps no token");
  // The same server's per-server URL does not take the token-URL token.
  assert.equal((await rawMCP(`${base}/mcp/oauth/${srv.id}`, provider.tokens().access_token)).status, 401);
  await client.close();
});

test("a client identified by a metadata document (CIMD)", { skip: !env.tlsCert && "no test certificate" }, async () => {
  const redirect = "http://127.0.0.1:8977/callback";
  let docURL;
  const server = https.createServer({ cert: readFileSync(env.tlsCert), key: readFileSync(env.tlsKey) }, (req, res) => {
    if (req.url !== "/oauth/client.json") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "max-age=300" });
    res.end(JSON.stringify({ client_id: docURL, client_name: "Metadata document test", redirect_uris: [redirect], grant_types: ["authorization_code", "refresh_token"], token_endpoint_auth_method: "none" }));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  docURL = `https://127.0.0.1:${server.address().port}/oauth/client.json`;
  try {
    const provider = new MemoryProvider({ redirectUrl: redirect, clientMetadataUrl: docURL });
    const { client, authURL, html } = await authorize(env.serverURL, provider, new Browser());
    assert.equal(authURL.searchParams.get("client_id"), docURL, "the document URL is the client id");
    assert.match(html, /Metadata document test/);
    assert.match(html, /metadata document: <strong>127\.0\.0\.1<\/strong>/, "consent shows the document's host");
    await callUsers(client);
    await client.close();
  } finally {
    server.close();
  }
});

test("ChatGPT-style: no scope and no resource on the authorize request, denial, bad redirect", async () => {
  const redirect = "http://localhost:8978/cb";
  const reg = await (await fetch(`${base}/oauth/register`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ client_name: "No-scope client", redirect_uris: [redirect] }),
  })).json();
  assert.ok(reg.client_id && reg.registration_client_uri, "registration answers client_id and registration_client_uri");
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const params = { response_type: "code", client_id: reg.client_id, redirect_uri: redirect, code_challenge: challenge, code_challenge_method: "S256", state: "s1" };
  const browser = new Browser();

  const denied = await consent(browser, `${base}/oauth/authorize?${new URLSearchParams(params)}`, { decision: "deny", choose: { server: "new" } });
  assert.equal(denied.callback.searchParams.get("error"), "access_denied");
  assert.equal(denied.callback.searchParams.get("state"), "s1");

  const bad = await browser.request(`${base}/oauth/authorize?${new URLSearchParams({ ...params, redirect_uri: "http://localhost:9/elsewhere" })}`);
  assert.equal(bad.status, 400, "an unregistered redirect URI is shown an error page");
  assert.equal(bad.headers.get("location"), null, "and never redirected");

  const serverID = new URL(env.serverURL).pathname.split("/").pop();
  const { callback } = await consent(browser, `${base}/oauth/authorize?${new URLSearchParams(params)}`, { choose: { server: serverID } });
  const tokenRes = await fetch(`${base}/oauth/token`, {
    method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", code: callback.searchParams.get("code"), redirect_uri: redirect, client_id: reg.client_id, code_verifier: verifier }),
  });
  assert.equal(tokenRes.status, 200);
  assert.equal(tokenRes.headers.get("cache-control"), "no-store");
  const tokens = await tokenRes.json();
  assert.equal(tokens.scope, "mcp", "an absent scope means mcp");
  assert.ok(tokens.refresh_token, "a refresh token without offline_access");
  assert.equal((await rawMCP(env.pickerURL, tokens.access_token)).status, 200, "no resource means the picker");
});
