package upstream

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	gongdef "github.com/patchbay-dev/patchbay/integrations/gong"
	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/tools"
)

// Benchmarks of the per-call work in this package: argument decoding,
// request building and answer mapping. Compare runs with benchstat.

func benchSet(tb testing.TB) *tools.Set {
	tb.Helper()
	in, err := integration.Load(gongdef.FS)
	if err != nil {
		tb.Fatal(err)
	}
	set, err := tools.Generate(in)
	if err != nil {
		tb.Fatal(err)
	}
	return set
}

// callsPage is a Gong list-calls answer of n calls (about 560 bytes each,
// like the sandbox's).
func callsPage(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"requestId":"4al018gzaztcr8nbukw","records":{"totalRecords":263,"currentPageSize":` + fmt.Sprint(n) + `,"currentPageNumber":0,"cursor":"eyJhbGciOiJIUzI1NiJ9.eyJrIjoiY2FsbHMiLCJvIjoxMDB9.pW2vmJ"},"calls":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"%d","url":"https://app.gong.io/call?id=%d","title":"Initech - Pricing Review","scheduled":"2026-10-15T16:00:00Z","started":"2026-10-15T16:02:00Z","duration":1200,"primaryUserId":"3239134986387498670","direction":"Conference","system":"Zoom","scope":"External","media":"Video","language":"eng","workspaceId":"7219580740730049108","clientUniqueId":"zoom-466183","purpose":"Walk through the proposal & pricing <v2>","meetingUrl":"https://vandelaycloud.zoom.us/j/84711208861","isPrivate":false,"calendarEventId":"5791f034d1a983fa"}`, 7000000000000000000+i, 7000000000000000000+i)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

func BenchmarkDecodeArgs(b *testing.B) {
	raw := json.RawMessage(`{"fromDateTime":"2026-11-18T00:00:00Z","toDateTime":"2026-11-26T00:00:00Z","callIds":["8931998787295175699","1234567890123456789"]}`)
	for b.Loop() {
		if _, err := DecodeArgs(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBuild(b *testing.B) {
	set := benchSet(b)
	cases := []struct {
		tool string
		args map[string]any
	}{
		{"list_all_gong_calls", map[string]any{"fromDateTime": "2026-11-18T00:00:00Z", "toDateTime": "2026-11-26T00:00:00Z"}},
		{"get_single_gong_call_by_id", map[string]any{"id": "8931998787295175699"}},
		{"create_a_gong_calls_transcript", map[string]any{"callIds": []any{"8931998787295175699"}}},
	}
	ctx := context.Background()
	for _, c := range cases {
		t, ok := set.Lookup(c.tool)
		if !ok {
			b.Fatalf("no tool %s", c.tool)
		}
		b.Run(c.tool, func(b *testing.B) {
			for b.Loop() {
				if _, err := Build(ctx, "https://us-1.api.gong.io", t, c.args); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMapResponse is what Call does with an answer: parse, map to
// {result, next_cursor}; then the JSON text a tool result carries.
func BenchmarkMapResponse(b *testing.B) {
	set := benchSet(b)
	t, _ := set.Lookup("list_all_gong_calls")
	for _, n := range []int{1, 31, 100} {
		raw := callsPage(n)
		resp := &http.Response{StatusCode: http.StatusOK, Header: http.Header{}}
		b.Run(fmt.Sprintf("calls=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				res := mapResponse(set.Integration, t, resp, raw, nil)
				if _, err := res.Text(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
