// Shared by the OAuth tests. scripts/test.d/70-oauth.sh starts
// `patchbay demo` (short access tokens, a test CA for metadata documents)
// and passes what it printed in the environment.
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";

export const env = {
  base: process.env.ADMIN_URL,
  apiToken: process.env.API_TOKEN,
  serverURL: process.env.OAUTH_URL, // the demo server's /mcp/oauth/{id}
  pickerURL: process.env.PICKER_URL,
  accessTTL: Number(process.env.ACCESS_TTL_SECONDS || "3"),
  tlsCert: process.env.CIMD_CERT,
  tlsKey: process.env.CIMD_KEY,
};
assert.ok(env.base && env.apiToken && env.serverURL && env.pickerURL, "scripts/test.d/70-oauth.sh sets ADMIN_URL, API_TOKEN, OAUTH_URL, PICKER_URL");

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const usersTool = "list_all_gong_users";

// admin calls the admin API with the demo's API token.
export async function admin(method, path, body) {
  const res = await fetch(env.base + path, {
    method,
    headers: { Authorization: `Bearer ${env.apiToken}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

export async function demoAccount() {
  const accounts = await admin("GET", "/integrated-account");
  return accounts.result[0].id;
}

// Browser is a cookie jar that follows Patchbay's own redirects by hand,
// the way a browser would, and stops at the first one leaving Patchbay
// (the OAuth client's redirect URI).
export class Browser {
  constructor() {
    this.cookies = new Map();
  }
  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
  remember(res) {
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(";");
      const i = pair.indexOf("=");
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=(0|-\d+)/i.test(a));
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  async request(url, { method = "GET", form } = {}) {
    const headers = { Cookie: this.cookieHeader() };
    let body;
    if (form) {
      headers["Content-Type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(form).toString();
    }
    const res = await fetch(url, { method, headers, body, redirect: "manual" });
    this.remember(res);
    return res;
  }
  // go follows redirects inside Patchbay; it returns the last response
  // and, when the chain left Patchbay, where it was sent.
  async go(url, opts) {
    let res = await this.request(url, opts);
    for (let hops = 0; hops < 10; hops++) {
      if (res.status < 300 || res.status >= 400) return { res, url };
      const next = new URL(res.headers.get("location"), url);
      if (next.origin !== new URL(env.base).origin) return { res, url, left: next };
      url = next.href;
      res = await this.request(url);
    }
    throw new Error("too many redirects");
  }
}

// decode undoes html/template's escaping of attribute values.
function decode(s) {
  return s
    .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

// hiddenInputs reads a page's hidden form fields.
export function hiddenInputs(html) {
  const out = [];
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    out.push([decode(m[1]), decode(m[2])]);
  }
  return out;
}

// signIn passes the dashboard's real sign-in form with the API token.
async function signIn(browser, page, url) {
  const html = await page.text();
  assert.match(html, /action="\/ui\/sign-in"/, "the sign-in form");
  const fields = hiddenInputs(html);
  fields.push(["secret", env.apiToken]);
  return browser.go(new URL("/ui/sign-in", url).href, { method: "POST", form: fields });
}

// consent walks an authorization URL through sign-in (when needed) and
// the real consent page, approving (or denying) with the given choice,
// and returns the URL the client is sent back to and the page seen.
export async function consent(browser, authorizationURL, { decision = "approve", choose } = {}) {
  let { res, url, left } = await browser.go(authorizationURL.toString());
  assert.ok(!left, `authorization left Patchbay before consent: ${left}`);
  if (new URL(url).pathname === "/ui/sign-in") {
    ({ res, url, left } = await signIn(browser, res, url));
    assert.ok(!left, "sign-in went back to consent");
  }
  assert.equal(new URL(url).pathname, "/ui/oauth/consent", `consent page reached (${res.status})`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-frame-options"), "DENY", "the consent page cannot be framed");
  assert.match(res.headers.get("content-security-policy"), /frame-ancestors 'none'/);
  const html = await res.text();
  const fields = hiddenInputs(html);
  assert.ok(fields.some(([k]) => k === "csrf_token"), "the consent form carries a CSRF token");
  fields.push(["decision", decision]);
  if (choose) for (const [k, v] of Object.entries(choose)) fields.push([k, v]);
  const answer = await browser.go(new URL("/ui/oauth/consent", env.base).href, { method: "POST", form: fields });
  assert.ok(answer.left, `consent sent the browser back to the client (got ${answer.res.status} at ${answer.url}: ${(await answer.res.text()).slice(0, 300)})`);
  return { callback: answer.left, html };
}

// MemoryProvider is an OAuthClientProvider that keeps everything in
// memory and, instead of opening a browser, records where it would go.
export class MemoryProvider {
  constructor({ redirectUrl = "http://127.0.0.1:8976/callback", clientMetadataUrl, name = "Patchbay OAuth test" } = {}) {
    this._redirect = redirectUrl;
    this.clientMetadataUrl = clientMetadataUrl;
    this.name = name;
    this.saved = [];
    this.authURL = null;
  }
  get redirectUrl() {
    return this._redirect;
  }
  get clientMetadata() {
    return {
      client_name: this.name,
      redirect_uris: [this._redirect],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation() {
    return this._client;
  }
  saveClientInformation(info) {
    this._client = info;
  }
  tokens() {
    return this._tokens;
  }
  saveTokens(t) {
    this._tokens = t;
    this.saved.push(t);
  }
  redirectToAuthorization(url) {
    this.authURL = url;
  }
  saveCodeVerifier(v) {
    this._verifier = v;
  }
  codeVerifier() {
    return this._verifier;
  }
  invalidateCredentials(scope) {
    if (scope === "all" || scope === "tokens") this._tokens = undefined;
    if (scope === "all" || scope === "client") this._client = undefined;
  }
}

export function newClient(url, provider) {
  const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  const client = new Client({ name: "patchbay-oauth-test", version: "1.0.0" });
  return { client, transport };
}

// authorize runs the SDK's whole flow on url: the 401, discovery,
// registration (or a metadata document), the browser part through
// consent, the code exchange; and returns a connected client.
export async function authorize(url, provider, browser, consentOpts) {
  const first = newClient(url, provider);
  await assert.rejects(first.client.connect(first.transport), UnauthorizedError, "the first connect needs authorization");
  assert.ok(provider.authURL, "the SDK built an authorization URL");
  const authURL = new URL(provider.authURL);
  assert.equal(authURL.searchParams.get("code_challenge_method"), "S256");
  const { callback, html } = await consent(browser, authURL, consentOpts);
  assert.equal(callback.origin + callback.pathname, new URL(provider.redirectUrl).href);
  assert.equal(callback.searchParams.get("state"), authURL.searchParams.get("state"), "state comes back");
  assert.equal(callback.searchParams.get("iss"), new URL(env.base).origin, "iss (RFC 9207) comes back");
  const code = callback.searchParams.get("code");
  assert.ok(code && code.startsWith("pb_oac_"), "an authorization code");
  await first.transport.finishAuth(code);
  provider.authURL = null;
  const next = newClient(url, provider);
  await next.client.connect(next.transport);
  return { ...next, authURL, html };
}

// callUsers calls the users tool, backing off on the sandbox's 429s.
export async function callUsers(client) {
  for (let attempt = 0; ; attempt++) {
    const res = await client.callTool({ name: usersTool, arguments: {} });
    const text = res.content?.[0]?.text || "";
    if (res.isError && text.includes('"status":429') && attempt < 5) {
      await sleep(1100);
      continue;
    }
    assert.ok(!res.isError, `${usersTool}: ${text}`);
    const body = JSON.parse(text);
    assert.ok(Array.isArray(body.result) && body.result.length > 0, "users listed");
    return body;
  }
}

export { UnauthorizedError };
