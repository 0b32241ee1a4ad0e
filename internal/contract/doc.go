// Package contract holds the integration contract tests: one table-driven
// suite that every integration passes, Gong (through its sandbox) and
// Bramble CRM, a made-up vendor defined only as data in testdata/bramble
// and served by a small test server. Bramble differs from Gong on purpose
// (page numbers, bearer API keys, unprefixed scopes, client_secret_post,
// the account named in the token answer, X-RateLimit-* headers), so a
// convention the generic code assumes instead of reading shows up here.
// See docs/integrations.md.
package contract
