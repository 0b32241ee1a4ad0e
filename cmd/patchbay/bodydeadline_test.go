package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Finding 9: connections trickling a body were still open after 30 s. A
// body that has not arrived within the deadline is dropped; a stream
// answered after a body, or to a GET without one, outlives the deadline.
func TestBodyDeadline(t *testing.T) {
	const d = 100 * time.Millisecond
	bodyErr := make(chan error, 1)
	release := make(chan struct{})
	h := withBodyDeadline(d, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/trickle" {
			_, err := io.ReadAll(r.Body)
			bodyErr <- err
			return
		}
		io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: first\n\n")
		w.(http.Flusher).Flush()
		select { // held open past the deadline, as a stream watching its request is
		case <-release:
			fmt.Fprint(w, "data: second\n\n")
		case <-r.Context().Done():
		}
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()

	t.Run("trickled body dropped", func(t *testing.T) {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST /trickle HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
		select {
		case err := <-bodyErr:
			if err == nil {
				t.Fatal("the handler read a whole body that never arrived")
			}
		case <-time.After(20 * time.Second):
			t.Fatal("the trickled body was still being read")
		}
	})

	for _, tc := range []struct{ name, method, body string }{
		{"stream after a body", http.MethodPost, `{"jsonrpc":"2.0"}`},
		{"stream to a GET", http.MethodGet, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			release = make(chan struct{})
			req, _ := http.NewRequest(tc.method, srv.URL+"/stream", strings.NewReader(tc.body))
			if tc.body == "" {
				req.Body = http.NoBody
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			lines := bufio.NewReader(resp.Body)
			if l, _ := lines.ReadString('\n'); l != "data: first\n" {
				t.Fatalf("first event %q", l)
			}
			time.Sleep(3 * d) // past the deadline
			close(release)
			lines.ReadString('\n')
			if l, err := lines.ReadString('\n'); l != "data: second\n" {
				t.Errorf("after the deadline: %q, %v; want the stream to go on", l, err)
			}
		})
	}
}
