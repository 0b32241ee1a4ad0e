package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/patchbay-dev/patchbay/internal/store"
)

// testLogsCleaned is finding 1 and 5 of the hostile review: a NUL or
// broken UTF-8 in a client-chosen field made PostgreSQL refuse the INSERT
// and, as entries are committed in groups, took other clients' entries
// down with it; and a field had no size limit.
func testLogsCleaned(t *testing.T, s store.Store) {
	a := mustAccount(t, s, "acme")
	const good, bad = 100, 50
	type appended struct {
		e    *store.LogEntry
		bad  bool
		tool string
	}
	all := make([]appended, 0, good+bad)
	for i := range good + bad {
		if i%3 == 2 {
			// A User-Agent cut at 120 bytes in the middle of "é", a NUL
			// in the client name, an invalid byte in the tool name and a
			// huge version.
			e := &store.LogEntry{ServerID: "srv", AccountID: a.ID, RPCMethod: "tools/call", Status: "ok", HTTPStatus: 200,
				Tool:          fmt.Sprintf("bad-%d\xff", i),
				ClientName:    "evil\x00client " + strings.Repeat("é", 59) + "\xc3",
				ClientVersion: strings.Repeat("v", 100_000),
				Error:         "quoted \x00\xfe " + strings.Repeat("x", 10_000)}
			all = append(all, appended{e: e, bad: true, tool: fmt.Sprintf("bad-%d\uFFFD", i)})
			continue
		}
		tool := fmt.Sprintf("good-%d", i)
		all = append(all, appended{e: &store.LogEntry{ServerID: "srv", AccountID: a.ID, RPCMethod: "tools/call", Tool: tool,
			ClientName: "claude-code", ClientVersion: "1.0", Status: "ok", HTTPStatus: 200}, tool: tool})
	}
	errs := make([]error, len(all))
	var wg sync.WaitGroup
	for i := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.AppendLog(context.Background(), all[i].e)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("append %d (bad %v): %v", i, all[i].bad, err)
		}
	}
	stored := map[string]*store.LogEntry{}
	for _, e := range allLogs(t, s, a.ID) {
		stored[e.Tool] = e
	}
	if len(stored) != good+bad {
		t.Errorf("%d entries stored, want %d", len(stored), good+bad)
	}
	for _, ap := range all {
		e := stored[ap.tool]
		if e == nil {
			t.Errorf("entry for %q lost", ap.tool)
			continue
		}
		size := 0
		for _, f := range []string{e.Tool, e.ClientName, e.ClientVersion, e.Error} {
			if !utf8.ValidString(f) || strings.ContainsRune(f, 0) || len(f) > 512 {
				t.Errorf("entry %q: field of %d bytes not cleaned: %.40q", ap.tool, len(f), f)
			}
			size += len(f)
		}
		if size > 4096 {
			t.Errorf("entry %q is %d bytes", ap.tool, size)
		}
		if ap.bad && !strings.HasPrefix(e.ClientName, "evilclient é") {
			t.Errorf("bad entry's client name %.40q: want the NUL removed and the rest kept", e.ClientName)
		}
	}
}

// allLogs reads every entry of an account, page by page.
func allLogs(t *testing.T, s store.Store, accountID string) []*store.LogEntry {
	t.Helper()
	var out []*store.LogEntry
	for before := int64(0); ; {
		page, err := s.ListLogs(context.Background(), store.LogFilter{AccountID: accountID, Limit: 1000, BeforeID: before})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		before = page[len(page)-1].ID
	}
}
