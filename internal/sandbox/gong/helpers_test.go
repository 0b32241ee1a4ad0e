package gong

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// testNow is a fixed Tuesday afternoon; every test sandbox starts there.
var testNow = time.Date(2026, 3, 10, 15, 4, 5, 0, time.UTC)

type harness struct {
	t   *testing.T
	s   *Sandbox
	clk *Clock
}

func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	clk := NewClock(testNow)
	if opts.Now == nil {
		opts.Now = clk.Now
	}
	if opts.RatePerSecond == 0 {
		opts.RatePerSecond = -1
	}
	if opts.DailyLimit == 0 {
		opts.DailyLimit = -1
	}
	// Behaviour tests run on the small company; realism_test.go holds the
	// realistic one to its figures.
	opts.Small = true
	return &harness{t: t, s: New(opts), clk: clk}
}

type result struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (r result) errors() []any {
	e, _ := r.body["errors"].([]any)
	return e
}

// do sends a request with the access key unless the caller set
// Authorization itself. body may be a string, []byte or a value to JSON.
func (h *harness) do(method, path string, body any, hdr ...string) result {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if req.Header.Get("Authorization") == "" {
		req.SetBasicAuth(h.s.AccessKey(), h.s.AccessKeySecret())
	}
	if rd != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	h.s.ServeHTTP(w, req)
	res := result{status: w.Code, header: w.Header(), raw: w.Body.Bytes()}
	if len(res.raw) > 0 && w.Header().Get("Content-Type") == "application/json" {
		dec := json.NewDecoder(bytes.NewReader(res.raw))
		dec.UseNumber()
		if err := dec.Decode(&res.body); err != nil {
			h.t.Fatalf("%s %s: answer is not JSON: %v\n%s", method, path, err, res.raw)
		}
	}
	return res
}

func (h *harness) must(status int, r result) result {
	h.t.Helper()
	if r.status != status {
		h.t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	return r
}

// list returns body[key] as a slice of objects.
func list(body map[string]any, key string) []map[string]any {
	var out []map[string]any
	xs, _ := body[key].([]any)
	for _, x := range xs {
		m, _ := x.(map[string]any)
		out = append(out, m)
	}
	return out
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }

func num(v any) int64 {
	n, _ := v.(json.Number)
	i, _ := n.Int64()
	return i
}

func (h *harness) doNoAuth(method, path string) result {
	h.t.Helper()
	req := httptest.NewRequest(method, path, nil)
	w := httptest.NewRecorder()
	h.s.ServeHTTP(w, req)
	res := result{status: w.Code, header: w.Header(), raw: w.Body.Bytes()}
	_ = json.Unmarshal(res.raw, &res.body)
	return res
}
