package app_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// A line logged while serving a request carries the request's id, the
// same as its access log line and X-Request-Id header, so the two can be
// joined.
func TestHandlerLogLinesCarryTheRequestID(t *testing.T) {
	logs := &syncBuffer{}
	e := newEnvWith(t, envOptions{logger: slog.New(slog.NewJSONHandler(logs, nil))})

	// A failed dashboard sign-in logs a warning from inside the handler.
	resp, err := http.Get(e.url + "/ui/sign-in")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF field on the sign-in page: %.300s", page)
	}
	form := url.Values{"secret": {"not the password"}, "csrf_token": {string(m[1])}}
	req, _ := http.NewRequest("POST", e.url+"/ui/sign-in", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Request-Id", "signin-rid-42")
	for _, c := range resp.Cookies() {
		req.AddCookie(c)
	}
	out, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out.Body.Close()
	if out.StatusCode != http.StatusUnauthorized || out.Header.Get("X-Request-Id") != "signin-rid-42" {
		t.Fatalf("sign-in answered %d with X-Request-Id %q", out.StatusCode, out.Header.Get("X-Request-Id"))
	}

	ids := map[string]string{} // message -> request_id
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec struct {
			Msg       string `json:"msg"`
			Path      string `json:"path"`
			Method    string `json:"method"`
			RequestID string `json:"request_id"`
		}
		if json.Unmarshal([]byte(line), &rec) != nil {
			continue
		}
		if rec.Msg == "web: failed sign-in" || (rec.Msg == "http request" && rec.Method == "POST" && rec.Path == "/ui/sign-in") {
			ids[rec.Msg] = rec.RequestID
		}
	}
	if ids["web: failed sign-in"] != "signin-rid-42" || ids["http request"] != "signin-rid-42" {
		t.Errorf("request ids in the log: %v; want signin-rid-42 on both lines", ids)
	}
}
