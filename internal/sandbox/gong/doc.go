// Package gong is the Gong sandbox: an in-memory emulator of Gong's v2
// REST API that ships inside the patchbay binary, for the demo, for
// end-to-end tests and for trying patchbay without a Gong account.
//
// A Sandbox is an http.Handler serving one synthetic company, generated
// deterministically from Options.Seed and the day of the clock
// (Options.Now), described for users in docs/demo-company.md: three
// workspaces, 150 users with managers (50 with Options.Small), over 5,000
// calls over the last 180 days (about 1,000 small) with parties, CRM
// context (accounts, deals, contacts, one e-mail domain per account), the
// stories of Gong's guides (Initech's lost deal and its objections, Pied
// Piper's renewal, Stark Industries' Executive Summary brief, AEs who
// never listen or comment; stories.go), transcripts at conversational
// density whose speakers match the parties, trackers counted from the
// transcript text, topics, outlines, highlights, call outcomes, activity
// that all the stats endpoints count the same way, scorecards, AI brief
// settings, Engage flows, library folders, logs, a generic CRM
// integration and permission profiles. Calls are kept as compact
// metadata; a transcript and its analysis are built on demand from the
// call's own seed (about 1 ms) and only the most recent are cached
// (cache.go), so memory stays flat however many are fetched.
//
// All 67 operations of Gong's OpenAPI document are served with its paths,
// parameters and response shapes (a test validates every answer against
// the document), plus Gong's behaviour: Basic access-key and OAuth Bearer
// authentication with scopes, the OAuth authorization-code flow with
// rotating refresh tokens, per-company rate limits with Retry-After,
// cursors that only work where Gong reads them and only with the request
// that made them, stats in the company time zone (America/New_York by
// default), 404 for empty call
// queries, and state machines driven by the sandbox clock for call
// uploads, CRM uploads and deletes, Engage bulk assignments, data-privacy
// erasure and AI credits.
//
// Tests drive time with a Clock (pass clk.Now as Options.Now and call
// clk.Advance) or with Sandbox.Advance, and inject trouble with SetFault,
// POST /sandbox/faults or the X-Sandbox-Fault request header.
//
// Performance (go test -bench . -benchmem, the 2-core development
// machine, shared): BenchmarkGenerate builds the realistic company in
// about 45 ms (29 MB allocated) and the small one in about 13 ms;
// BenchmarkBuildTranscript generates one call's transcript and analysis in
// about 1 ms; BenchmarkListCallsPage serves a page of 100 calls in about
// 0.15 ms. TestMemoryStaysSmall reads the process's RSS (about 60 MB)
// after listing every call and fetching 200 transcripts. The sandbox is
// never the bottleneck of a benchmark that uses it.
package gong
