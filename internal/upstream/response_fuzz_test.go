package upstream

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"

	gongdef "github.com/patchbay-dev/patchbay/integrations/gong"
	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/tools"
)

var (
	respSetOnce sync.Once
	respSet     *tools.Set
	respSetErr  error
)

// Upstream answers (status, headers, body — including the cursor Gong
// sends back) always map to a JSON-encodable tool result; errors are
// isError with a message, and a 429 always carries rate-limit figures.
func FuzzMapResponse(f *testing.F) {
	respSetOnce.Do(func() {
		var in *integration.Integration
		if in, respSetErr = integration.Load(gongdef.FS); respSetErr == nil {
			respSet, respSetErr = tools.Generate(in)
		}
	})
	if respSetErr != nil {
		f.Fatal(respSetErr)
	}
	for _, s := range []struct {
		status int
		retry  string
		body   string
	}{
		{200, "", `{"records":{"cursor":"abc","totalRecords":1},"calls":[{"id":"1"}]}`},
		{200, "", `{"records":{"cursor":7},"calls":"nope"}`},
		{200, "", `not json`},
		{200, "", ``},
		{404, "", `{"requestId":"r","errors":["No calls found corresponding to the provided filters"]}`},
		{429, "3", `{"errors":["Too many requests"]}`},
		{429, "Wed, 21 Oct 2015 07:28:00 GMT", `[]`},
		{429, "-5", ``},
		{403, "", `{"errors":["missing scope api:calls:read:extensive"]}`},
		{500, "", `{"errors":[{"a":1},null,3]}`},
	} {
		f.Add(s.status, s.retry, "17", s.body, uint8(0))
	}
	f.Fuzz(func(t *testing.T, status int, retryAfter, limit, body string, which uint8) {
		if status < 100 || status > 999 {
			return
		}
		tl := respSet.Tools[int(which)%len(respSet.Tools)]
		if tl.Finder != nil {
			return // made of other tools' requests: no answer of its own to map
		}
		h := http.Header{}
		h.Set("Retry-After", retryAfter)
		h.Set("RateLimit-Limit", limit)
		resp := &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(bytes.NewReader(nil))}
		res := mapResponse(respSet.Integration, tl, resp, []byte(body), nil)
		text, err := res.Text()
		if err != nil || !json.Valid(text) {
			t.Fatalf("result text is not JSON: %v %q", err, text)
		}
		if status >= 300 && !res.IsError && status != 404 {
			t.Fatalf("status %d mapped to a success", status)
		}
		if res.IsError && res.Err == "" {
			t.Fatalf("an error result without a message")
		}
		if status == http.StatusTooManyRequests && (res.RateLimit == nil || res.RateLimit.RetryAfter < 0) {
			t.Fatalf("429 without sane rate-limit figures: %+v", res.RateLimit)
		}
	})
}
