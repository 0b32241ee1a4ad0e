// Package gong is the Gong sandbox: an in-memory emulator of Gong's v2
// REST API that ships inside the patchbay binary, for the demo, for
// end-to-end tests and for trying patchbay without a Gong account.
//
// A Sandbox is an http.Handler serving one synthetic company, generated
// deterministically from Options.Seed relative to the clock (Options.Now):
// three workspaces, 50 users with managers, about 1,000 calls over the last
// 180 days with parties, CRM context (accounts and deals, always including
// Initech, Stark Industries, Pied Piper and Hooli), transcripts whose
// speakers match the parties, trackers counted from the transcript text,
// topics, outlines, highlights, call outcomes, activity that all the stats
// endpoints count the same way, scorecards, AI brief settings, Engage
// flows, library folders, logs, a generic CRM integration and permission
// profiles. Transcripts and call analysis are built lazily, so generation
// takes a few milliseconds.
//
// All 67 operations of Gong's OpenAPI document are served with its paths,
// parameters and response shapes (a test validates every answer against
// the document), plus Gong's behaviour: Basic access-key and OAuth Bearer
// authentication with scopes, the OAuth authorization-code flow with
// rotating refresh tokens, per-company rate limits with Retry-After,
// cursors that only work where Gong reads them, 404 for empty call
// queries, and state machines driven by the sandbox clock for call
// uploads, CRM uploads and deletes, Engage bulk assignments, data-privacy
// erasure and AI credits.
//
// Tests drive time with a Clock (pass clk.Now as Options.Now and call
// clk.Advance) or with Sandbox.Advance, and inject trouble with SetFault,
// POST /sandbox/faults or the X-Sandbox-Fault request header.
//
// Performance: BenchmarkListCallsPage (GET /v2/calls, one page of 100
// calls, limits off, httptest.NewRecorder) runs at 0.13–0.34 ms per page
// (≈180 KB allocated) on the 2-core development machine, against about
// 3.2 ms for Patchbay's list_all_gong_calls of the same page end to end
// (BenchmarkMCPToolsCallPage in internal/app, same machine, same minute):
// the sandbox is never the bottleneck of a benchmark that uses it.
package gong
