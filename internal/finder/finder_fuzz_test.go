package finder

import (
	"context"
	"errors"
	"testing"
)

// A finder's arguments and cursor come from clients: any of them gives an
// answer or an ArgError, never a panic, and a refused call reads nothing.
func FuzzRunArguments(f *testing.F) {
	f.Add("Initrode", "2026-10-01", int64(5), "")
	f.Add("", "yesterday", int64(0), "bm90IGEgY3Vyc29y")
	f.Fuzz(func(t *testing.T, org, from string, limit int64, cursor string) {
		defs := loadDefs(t)
		fl := &fakeListing{meetings: meetings(120)}
		args := map[string]any{"org": org, "from": from, ArgLimit: float64(limit)}
		if cursor != "" {
			args[ArgCursor] = cursor
		}
		ans, err := defs["find_meetings"].Run(context.Background(), fl.fetch, args, now)
		var ae *ArgError
		switch {
		case err != nil && !errors.As(err, &ae):
			t.Fatalf("an error that is not the caller's: %v", err)
		case err != nil && fl.requests != 0:
			t.Fatalf("refused arguments read %d pages", fl.requests)
		case err == nil && ans.Scanned.UpstreamRequests != fl.requests:
			t.Fatalf("the answer says %d requests, the listing saw %d", ans.Scanned.UpstreamRequests, fl.requests)
		}
	})
}
