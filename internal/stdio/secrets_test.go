package stdio

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Finding 6: any network error returned the full MCP URL, token included,
// as the JSON-RPC error message and on stderr.
func TestBridgeErrorsHideURLAndHeaders(t *testing.T) {
	const token, apiToken = "pbm_S3cretServerToken0123456789", "pba_S3cretApiToken0123456789"
	// A server that echoes what it was sent, as a misbehaving proxy might.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "upstream refused "+r.URL.Path+" with "+r.Header.Get("Authorization"))
	}))
	defer echo.Close()
	// An address nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()

	for _, tc := range []struct{ name, base, want string }{
		{"unreachable", closed, "could not reach the MCP server"},
		{"echoing error", echo.URL, "HTTP 502"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inR, inW := io.Pipe()
			outR, outW := io.Pipe()
			var stderr syncBuffer
			b := &Bridge{
				URL:    tc.base + "/mcp/" + token,
				Header: http.Header{"Authorization": {"Bearer " + apiToken}},
				Local:  &sdk.IOTransport{Reader: inR, Writer: outW},
				Logger: slog.New(slog.NewTextHandler(&stderr, nil)),
			}
			done := make(chan error, 1)
			go func() { done <- b.Run(context.Background()) }()
			io.WriteString(inW, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`+"\n")
			io.WriteString(inW, `{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n")
			out := bufio.NewScanner(outR)
			if !out.Scan() {
				t.Fatalf("no answer: %v", out.Err())
			}
			var m struct {
				Error struct{ Message string }
			}
			if err := json.Unmarshal(out.Bytes(), &m); err != nil {
				t.Fatal(err)
			}
			inW.Close()
			go io.Copy(io.Discard, outR)
			<-done
			if !strings.Contains(m.Error.Message, tc.want) {
				t.Errorf("error %q does not say what failed (%q)", m.Error.Message, tc.want)
			}
			for where, text := range map[string]string{"JSON-RPC error": m.Error.Message, "stderr": stderr.String()} {
				for _, secret := range []string{token, apiToken, "S3cret", "pbm_S", "pba_S"} {
					if strings.Contains(text, secret) {
						t.Errorf("%s shows %q: %s", where, secret, text)
					}
				}
			}
		})
	}
}

func TestParseHeadersHidesValues(t *testing.T) {
	t.Parallel()
	h, err := ParseHeaders("# comment\nAuthorization: Bearer pba_x\n\nX-Extra: 1\n")
	if err != nil || h.Get("Authorization") != "Bearer pba_x" || h.Get("X-Extra") != "1" {
		t.Fatalf("got %v %v", h, err)
	}
	_, err = ParseHeaders("Bearer pba_S3cretApiToken")
	if err == nil || strings.Contains(err.Error(), "S3cret") || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("error %v: want the line named and the value hidden", err)
	}
}
