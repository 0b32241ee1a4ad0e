// The dashboard, end to end, in a real browser: Debian's Chromium driven
// by playwright-core (no browser download). scripts/test.d/40-browser.sh
// starts `patchbay demo` and passes what it printed in the environment.
//
// The path a first-time user takes: set a password (proved by the demo's
// API token), sign out and in again, connect the sandbox Gong account with
// an access key, mint a read-only MCP server, copy its URL, call a tool
// through it with the official MCP client, see the call on the Activity
// tab, revoke the server, and delete the account. A screenshot of every
// page goes to $SCREENSHOT_DIR.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

function need(name) {
  const v = process.env[name];
  assert.ok(v, `${name} must be set (scripts/test.d/40-browser.sh sets it)`);
  return v;
}

const dashboard = need("DASHBOARD_URL"); // http://host:port/ui/
const apiToken = need("API_TOKEN");
const sandboxURL = need("SANDBOX_URL");
const accessKey = need("SANDBOX_ACCESS_KEY");
const accessKeySecret = need("SANDBOX_ACCESS_KEY_SECRET");
const shots = process.env.SCREENSHOT_DIR || join(process.cwd(), "test-results", "screenshots");
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";
const password = "correct horse battery staple";
const origin = new URL(dashboard).origin;

mkdirSync(shots, { recursive: true });
let browser, context, page, profile;
const problems = []; // console errors and CSP violations: none allowed
let shotNo = 0;

async function shot(name) {
  shotNo++;
  await page.screenshot({ path: join(shots, `${String(shotNo).padStart(2, "0")}-${name}.png`), fullPage: true });
}

before(async () => {
  profile = mkdtempSync(join(tmpdir(), "patchbay-chromium-"));
  // launchPersistentContext takes the fresh profile directory the way
  // Chromium wants it (--user-data-dir).
  context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
    viewport: { width: 1280, height: 900 },
    permissions: ["clipboard-read", "clipboard-write"],
  });
  browser = context.browser();
  page = context.pages()[0] || (await context.newPage());
  page.setDefaultTimeout(15_000);
  page.on("console", (m) => {
    // The refused sign-in answers 401 on purpose; anything else counts.
    // Only the dashboard's own pages count (the sandbox's consent page is
    // not ours).
    const where = m.location().url || "";
    if (m.type() === "error" && where.startsWith(origin) && !/status of 401/.test(m.text())) problems.push(`console: ${m.text()} (${where})`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
});

after(async () => {
  await context?.close();
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  console.log(`screenshots: ${shots}`);
});

test("the dashboard path from a fresh demo to a working, then revoked, MCP URL", async (t) => {
  let accountURL, mcpURL;

  await t.test("first run: set an admin password, proved with the API token", async () => {
    await page.goto(dashboard);
    assert.match(page.url(), /\/ui\/sign-in/);
    await page.getByRole("heading", { name: "Set up Patchbay" }).waitFor();
    await shot("setup");
    await page.getByLabel("API token", { exact: true }).first().fill(apiToken);
    await page.getByLabel("New admin password").fill(password);
    await page.getByLabel("The same password again").fill(password);
    await page.getByRole("button", { name: "Set password and sign in" }).click();
    await page.waitForURL(/\/ui\/accounts/);
    await page.getByText("Admin password saved.").waitFor();

    const cookies = await context.cookies(dashboard);
    const session = cookies.find((c) => c.name === "pb_session");
    assert.ok(session, "a session cookie is set");
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, "Lax");
  });

  await t.test("sign out, then a wrong password is refused and the right one works", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/ui\/sign-in/);
    await page.getByText("You are signed out.").waitFor();
    await page.goto(new URL("accounts", dashboard).href);
    assert.match(page.url(), /\/ui\/sign-in\?next=/, "pages need a session");

    await page.getByLabel("Admin password or API token").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("That password or API token is not right.").waitFor();
    await shot("sign-in-refused");

    await page.getByLabel("Admin password or API token").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/ui\/accounts$/);
    await page.getByRole("heading", { name: "Integrated accounts" }).waitFor();
    await shot("accounts");
  });

  await t.test("connect the sandbox Gong account with an access key", async () => {
    // Pico styles links as buttons with role=button.
    await page.getByRole("button", { name: "Connect Gong" }).first().click();
    await page.waitForURL(/\/ui\/connect\/gong$/);
    await shot("connect");
    await page.getByLabel("Account name").last().fill("E2E Gong");
    await page.getByLabel("API base URL").fill(sandboxURL);
    await page.getByLabel("Access key", { exact: true }).fill(accessKey);
    await page.getByLabel("Access key secret").fill(accessKeySecret);
    await page.getByRole("button", { name: "Connect", exact: true }).click();
    await page.waitForURL(/\/ui\/accounts\/[^/]+\/servers\?done=connected/);
    await page.getByRole("heading", { name: "E2E Gong" }).waitFor();
    accountURL = page.url().replace(/\/servers.*$/, "");
  });

  await t.test("create a read-only MCP server with a live preview", async () => {
    const preview = page.getByTestId("preview");
    await page.getByLabel("Name", { exact: true }).fill("E2E read only");
    // The form starts read-only; write and custom must stay off.
    assert.equal(await page.getByRole("checkbox", { name: /^Read/ }).isChecked(), true);
    assert.equal(await page.getByRole("checkbox", { name: /^Write/ }).isChecked(), false);
    const readCount = Number((await page.getByTestId("preview-count").textContent()).split(" ")[0]);
    assert.ok(readCount > 0, "read exposes tools");
    assert.doesNotMatch(await preview.textContent(), /create_a_gong_call\b/);

    // Ticking Write updates the preview live (htmx), unticking restores it.
    await page.getByRole("checkbox", { name: /^Write/ }).check();
    await page.waitForFunction((n) => {
      const el = document.querySelector('[data-testid="preview-count"]');
      return el && Number(el.textContent.split(" ")[0]) > n;
    }, readCount);
    assert.match(await preview.textContent(), /create_a_gong_call\b/);
    await page.getByRole("checkbox", { name: /^Write/ }).uncheck();
    await page.waitForFunction((n) => {
      const el = document.querySelector('[data-testid="preview-count"]');
      return el && Number(el.textContent.split(" ")[0]) === n;
    }, readCount);
    assert.match(await page.getByTestId("preview-tokens").textContent(), /^\d+$/);
    await shot("servers-create-form");

    await page.getByRole("button", { name: "Create MCP Server" }).click();
    await page.getByTestId("created").waitFor();
    await page.getByText("you will not see this URL again").waitFor();
    await shot("server-created");

    await page.getByRole("button", { name: "Copy" }).click();
    await page.getByText("Copied to the clipboard.").waitFor();
    mcpURL = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(mcpURL, await page.getByTestId("created-url").inputValue());
    assert.match(mcpURL, /^http:\/\/.+\/mcp\/pbm_[A-Za-z0-9_-]+$/);

    // Shown once: a reload (a fresh GET) does not show it again.
    await page.goto(accountURL + "/servers");
    assert.equal(await page.getByTestId("created").count(), 0);
    assert.doesNotMatch(await page.content(), new RegExp(mcpURL.split("/mcp/")[1]));
    await page.getByTestId("server-row").filter({ hasText: "E2E read only" }).waitFor();
  });

  await t.test("an MCP client uses the copied URL: read tools only", async () => {
    const client = new Client({ name: "patchbay-browser-e2e", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(mcpURL)));
    try {
      const { tools } = await client.listTools();
      assert.ok(tools.length > 0);
      for (const tool of tools) assert.equal(tool.annotations.readOnlyHint, true, `${tool.name} is read-only`);
      assert.ok(!tools.some((x) => x.name === "create_a_gong_call"), "write tools are hidden");
      const res = await client.callTool({ name: "list_all_gong_users", arguments: {} });
      assert.notEqual(res.isError, true, JSON.stringify(res.content));
      const body = JSON.parse(res.content[0].text);
      assert.ok(Array.isArray(body.result) && body.result.length > 0, "sandbox users come back");
    } finally {
      await client.close();
    }
  });

  await t.test("the call shows on the Activity tab, with its chart", async () => {
    await page.goto(accountURL + "/activity");
    const row = page.getByTestId("log-row").filter({ hasText: "list_all_gong_users" }).first();
    await row.waitFor();
    const text = await row.textContent();
    assert.match(text, /E2E read only/);
    assert.match(text, /\bok\b/);
    await page.locator('#activity-chart[data-ready="true"] canvas').waitFor();
    const calls = Number(await page.locator("#activity-chart").getAttribute("data-calls"));
    assert.ok(calls >= 1, `the chart counts the call (${calls})`);

    // Filtering by outcome "error" hides the successful call.
    await page.getByLabel("Outcome").selectOption("error");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/status=error/);
    assert.equal(await page.getByTestId("log-row").filter({ hasText: "list_all_gong_users" }).count(), 0);
    await page.getByLabel("Outcome").selectOption("");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.locator('#activity-chart[data-ready="true"] canvas').waitFor();
    await shot("activity");
  });

  await t.test("the Tools tab lists every tool with scopes and markers", async () => {
    await page.getByRole("link", { name: "Tools" }).click();
    await page.waitForURL(/\/tools$/);
    const rows = page.getByTestId("tool-row");
    assert.ok((await rows.count()) > 10);
    await rows.filter({ hasText: "create_a_gong_call" }).first().getByText("write").first().waitFor();
    await shot("tools");
  });

  await t.test("edit the server's name", async () => {
    await page.goto(accountURL + "/servers");
    await page.getByRole("link", { name: "Edit E2E read only" }).click();
    await page.getByLabel("Name", { exact: true }).fill("E2E read only (renamed)");
    await shot("server-edit");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("MCP server saved.").waitFor();
    await page.getByTestId("server-row").filter({ hasText: "E2E read only (renamed)" }).waitFor();
  });

  await t.test("revoke the server: its URL stops working", async () => {
    const row = page.getByTestId("server-row").filter({ hasText: "E2E read only (renamed)" });
    await row.getByText("Revoke…").click();
    await row.getByRole("button", { name: /^Revoke/ }).click();
    await page.getByText("MCP server revoked").waitFor();
    assert.equal(await page.getByTestId("server-row").filter({ hasText: "E2E read only" }).count(), 0);
    await shot("server-revoked");

    const res = await fetch(mcpURL, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    assert.ok(res.status === 404 || res.status === 401, `revoked URL answers ${res.status}`);
  });

  await t.test("delete the account, told how many MCP servers go with it", async () => {
    await page.getByLabel("Name", { exact: true }).fill("E2E doomed");
    await page.getByRole("button", { name: "Create MCP Server" }).click();
    await page.getByTestId("created").waitFor();
    await page.getByRole("link", { name: "Delete this account…" }).click();
    await page.getByTestId("delete-summary").getByText("1 MCP server will be deleted with it").waitFor();
    await shot("delete-account");
    await page.getByRole("button", { name: "Delete the account and 1 MCP server" }).click();
    await page.waitForURL(/\/ui\/accounts\?done=deleted/);
    assert.equal(await page.getByTestId("account").filter({ hasText: "E2E Gong" }).count(), 0);
  });

  await t.test("connect with OAuth through the sandbox's consent page", async () => {
    await page.goto(new URL("connect/gong", dashboard).href);
    // Deny first: the dashboard says so and connects nothing.
    await page.getByLabel("Account name").first().fill("E2E OAuth");
    await page.getByRole("button", { name: "Connect with Gong OAuth" }).click();
    await page.getByRole("button", { name: "Deny" }).click();
    await page.waitForURL(/\/ui\/connect\/gong\/done/);
    await page.getByText("The OAuth connection failed").waitFor();
    await shot("oauth-denied");
    // Approve: the new account opens, with the scopes Gong granted.
    await page.getByLabel("Account name").first().fill("E2E OAuth");
    await page.getByRole("button", { name: "Connect with Gong OAuth" }).click();
    await page.getByRole("button", { name: "Approve" }).click();
    await page.waitForURL(/\/ui\/accounts\/[^/]+\/servers\?done=connected/);
    await page.getByRole("heading", { name: "E2E OAuth" }).waitFor();
    await page.getByRole("link", { name: "Tools" }).click();
    assert.match(await page.locator("main").textContent(), /Granted scopes: .*api:/s);
    await shot("oauth-connected-tools");
  });

  await t.test("readable on a phone", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(new URL("accounts", dashboard).href);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `no sideways scrolling on a phone (${overflow}px)`);
    await shot("accounts-phone");
    await page.getByTestId("account").first().getByRole("button", { name: "Open" }).click();
    await shot("servers-phone");
  });

  await t.test("no console errors or CSP violations on any page", () => {
    assert.deepEqual(problems, []);
  });
});
