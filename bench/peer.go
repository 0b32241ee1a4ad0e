package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// The peer is @ivotoby/openapi-mcp-server, the npm package that serves any
// OpenAPI document as MCP tools, pinned in bench/package.json and its
// lockfile. It serves Gong's OpenAPI document against the same sandbox
// over its Streamable HTTP transport.

const peerPackage = "@ivotoby/openapi-mcp-server"

// installPeer makes sure bench/node_modules holds the pinned peer (npm ci
// when it does not) and returns its entry script.
func installPeer(ctx context.Context, benchDir string) (string, error) {
	if _, err := exec.LookPath("node"); err != nil {
		return "", errors.New("node is not installed")
	}
	var want struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	b, err := os.ReadFile(filepath.Join(benchDir, "package.json"))
	if err != nil {
		return "", err
	}
	if err := json.Unmarshal(b, &want); err != nil {
		return "", err
	}
	script := filepath.Join(benchDir, "node_modules", peerPackage, "bin", "mcp-server.js")
	if installedVersion(benchDir) != want.Dependencies[peerPackage] {
		if _, err := exec.LookPath("npm"); err != nil {
			return "", errors.New("npm is not installed")
		}
		ctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = benchDir
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("npm ci: %v: %s", err, lastLines(string(out), 5))
		}
		if v := installedVersion(benchDir); v != want.Dependencies[peerPackage] {
			return "", fmt.Errorf("npm ci installed %s %q, want %q", peerPackage, v, want.Dependencies[peerPackage])
		}
	}
	return script, nil
}

func installedVersion(benchDir string) string {
	var pkg struct{ Version string }
	b, err := os.ReadFile(filepath.Join(benchDir, "node_modules", peerPackage, "package.json"))
	if err != nil || json.Unmarshal(b, &pkg) != nil {
		return ""
	}
	return pkg.Version
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], " / ")
}

// startPeer runs the peer on a free port; it logs every request on stdout
// and stderr, which go to its log file.
func startPeer(ctx context.Context, ps *procs, script, spec, sandbox, key, secret string) (*proc, string, error) {
	port, err := freePort()
	if err != nil {
		return nil, "", err
	}
	basic := base64.StdEncoding.EncodeToString([]byte(key + ":" + secret))
	p, err := ps.start("peer", childEnv(), "node", script,
		"--api-base-url", sandbox, "--openapi-spec", spec,
		"--headers", "Authorization:Basic "+basic,
		"--transport", "http", "--host", "127.0.0.1", "--port", strconv.Itoa(port))
	if err != nil {
		return nil, "", err
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	if err := waitHTTP(ctx, base+"/health", 30*time.Second); err != nil {
		p.stop()
		return nil, "", fmt.Errorf("peer: %w", err)
	}
	return p, base + "/mcp", nil
}

// peerIDs numbers JSON-RPC requests across all peer sessions: the peer
// routes answers by request id across sessions, so ids must be unique.
var peerIDs atomic.Int64

// peerSession is one MCP client of the peer. The peer answers POSTed
// requests with 202 and sends the response on the session's GET event
// stream, so each session keeps one stream open and reads answers there.
type peerSession struct {
	hc     *http.Client
	url    string
	id     string
	msgs   chan []byte
	cancel context.CancelFunc
}

func openPeerSession(ctx context.Context, hc *http.Client, u string) (*peerSession, error) {
	initBody := mustJSON(map[string]any{"jsonrpc": "2.0", "id": fmt.Sprintf("init-%d", peerIDs.Add(1)), "method": "initialize",
		"params": map[string]any{"protocolVersion": "2025-06-18", "capabilities": map[string]any{}, "clientInfo": map[string]any{"name": "patchbay-bench", "version": "1"}}})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(initBody))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	sid := resp.Header.Get("Mcp-Session-Id")
	if resp.StatusCode != http.StatusOK || sid == "" {
		return nil, fmt.Errorf("peer initialize: HTTP %d, session %q", resp.StatusCode, sid)
	}
	s := &peerSession{hc: hc, url: u, id: sid, msgs: make(chan []byte, 16)}
	if _, err := s.post(ctx, []byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)); err != nil {
		return nil, err
	}
	// The peer sends the stream's headers only with its first event, so
	// the stream is opened in the background and pinged until an answer
	// arrives on it: then it is registered and every answer will come.
	sctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() {
		greq, _ := http.NewRequestWithContext(sctx, http.MethodGet, u, nil)
		greq.Header.Set("Accept", "text/event-stream")
		greq.Header.Set("Mcp-Session-Id", sid)
		gresp, err := hc.Do(greq)
		if err != nil {
			return
		}
		defer gresp.Body.Close()
		sc := bufio.NewScanner(gresp.Body)
		sc.Buffer(make([]byte, 256<<10), 64<<20)
		for sc.Scan() {
			if data, ok := bytes.CutPrefix(sc.Bytes(), []byte("data: ")); ok {
				select {
				case s.msgs <- append([]byte(nil), data...):
				case <-sctx.Done():
					return
				}
			}
		}
	}()
	for range 100 { // bounded: about 10 s
		id := fmt.Sprintf("ping-%d", peerIDs.Add(1))
		if _, err := s.post(ctx, mustJSON(map[string]any{"jsonrpc": "2.0", "id": id, "method": "ping"})); err != nil {
			s.close()
			return nil, err
		}
		if _, err := s.await(ctx, id, 100*time.Millisecond); err == nil {
			return s, nil
		}
	}
	s.close()
	return nil, errors.New("peer: the event stream never delivered an answer")
}

func (s *peerSession) post(ctx context.Context, body []byte) (int, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Session-Id", s.id)
	status, _, err := do(s.hc, req)
	return status, err
}

// call sends tools/call and waits for its answer on the event stream.
func (s *peerSession) call(ctx context.Context, tool string, args map[string]any) error {
	id := fmt.Sprintf("c%d", peerIDs.Add(1))
	body := mustJSON(map[string]any{"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": map[string]any{"name": tool, "arguments": args}})
	status, err := s.post(ctx, body)
	if err != nil {
		return err
	}
	if status != http.StatusAccepted && status != http.StatusOK {
		return fmt.Errorf("peer tools/call: HTTP %d", status)
	}
	m, err := s.await(ctx, id, 30*time.Second)
	if err != nil {
		return err
	}
	return checkRPC("peer", http.StatusOK, m)
}

// await waits for the answer to request id on the event stream.
func (s *peerSession) await(ctx context.Context, id string, d time.Duration) ([]byte, error) {
	want := []byte(`"id":"` + id + `"`)
	timeout := time.NewTimer(d)
	defer timeout.Stop()
	for {
		select {
		case m := <-s.msgs:
			if bytes.Contains(m, want) {
				return m, nil
			}
			// an answer nobody waits for any more
		case <-timeout.C:
			return nil, fmt.Errorf("peer: no answer within %s", d)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (s *peerSession) close() {
	s.cancel()
	req, _ := http.NewRequest(http.MethodDelete, s.url, nil)
	req.Header.Set("Mcp-Session-Id", s.id)
	if resp, err := s.hc.Do(req); err == nil {
		resp.Body.Close()
	}
}

// peerTarget runs each worker as its own MCP session of the peer.
func peerTarget(u string, ops []*operation) *target {
	hc := &http.Client{Transport: newTransport()}
	return &target{name: "peer", client: func(ctx context.Context, _ int) (caller, func(), error) {
		s, err := openPeerSession(ctx, hc, u)
		if err != nil {
			return nil, nil, err
		}
		return func(ctx context.Context, i int) error {
			return s.call(ctx, ops[i].peerTool, ops[i].peerArgs)
		}, s.close, nil
	}}
}

// peerToolsList returns the size of the peer's tools/list answer and its
// tool count.
func peerToolsList(ctx context.Context, u string) (int, int, error) {
	hc := &http.Client{Transport: newTransport(), Timeout: 30 * time.Second}
	s, err := openPeerSession(ctx, hc, u)
	if err != nil {
		return 0, 0, err
	}
	defer s.close()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(`{"jsonrpc":"2.0","id":"list-1","method":"tools/list","params":{}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Session-Id", s.id)
	status, out, err := do(hc, req)
	if err != nil {
		return 0, 0, err
	}
	if status != http.StatusOK {
		return 0, 0, fmt.Errorf("peer tools/list: HTTP %d", status)
	}
	return len(out), countTools(out), nil
}

// countTools counts the tools of a tools/list answer.
func countTools(out []byte) int {
	var doc struct {
		Result struct {
			Tools []json.RawMessage `json:"tools"`
		} `json:"result"`
	}
	if json.Unmarshal(out, &doc) != nil {
		return 0
	}
	return len(doc.Result.Tools)
}
