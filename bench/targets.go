package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/patchbay-dev/patchbay/internal/app"
	"github.com/patchbay-dev/patchbay/internal/upstream"
)

// operation is one Gong operation as each target is asked for it.
type operation struct {
	tool string         // Patchbay's (and the floor's) tool name
	args map[string]any // its arguments
	// The upstream request Patchbay builds for it, replayed as the direct
	// call.
	method, url, contentType string
	body                     []byte
	mcpBody                  []byte // the tools/call request
	// The peer names tools after operation ids and takes Gong's own
	// argument shapes.
	peerTool string
	peerArgs map[string]any
}

// protocolVersion is the MCP revision the load speaks (stateless HTTP,
// no initialize needed by Patchbay).
const protocolVersion = "2025-11-25"

// operations builds the three measured operations against the sandbox at
// base. The direct request is exactly the one Patchbay sends upstream:
// upstream.Build makes both.
func operations(base, callID string, now time.Time) ([]*operation, error) {
	catalog, err := app.LoadCatalog()
	if err != nil {
		return nil, err
	}
	set, _ := catalog.ToolSet("gong")
	day := now.UTC().Truncate(24 * time.Hour)
	from, to := day.AddDate(0, 0, -7).Format(time.RFC3339), day.AddDate(0, 0, 1).Format(time.RFC3339)
	specs := []*operation{
		{tool: "list_all_gong_calls", args: map[string]any{"fromDateTime": from, "toDateTime": to},
			peerTool: "lst-calls", peerArgs: map[string]any{"fromDateTime": from, "toDateTime": to}},
		{tool: "get_single_gong_call_by_id", args: map[string]any{"id": callID},
			peerTool: "get-call", peerArgs: map[string]any{"id": callID}},
		{tool: "create_a_gong_calls_transcript", args: map[string]any{"callIds": []any{callID}},
			peerTool: "get-call-transcripts", peerArgs: map[string]any{"filter": map[string]any{"callIds": []any{callID}}}},
	}
	for _, op := range specs {
		t, ok := set.Lookup(op.tool)
		if !ok {
			return nil, fmt.Errorf("no tool %s in the Gong catalog", op.tool)
		}
		args, _ := upstream.DecodeArgs(mustJSON(op.args))
		if err := t.Validate(args); err != nil {
			return nil, fmt.Errorf("%s: %w", op.tool, err)
		}
		req, err := upstream.Build(context.Background(), base, t, args)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op.tool, err)
		}
		op.method, op.url, op.contentType = req.Method, req.URL.String(), req.Header.Get("Content-Type")
		if req.Body != nil {
			op.body, _ = io.ReadAll(req.Body)
		}
		op.mcpBody = mustJSON(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "tools/call",
			"params": map[string]any{"name": op.tool, "arguments": op.args}})
	}
	return specs, nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// directTarget calls the sandbox itself, as Patchbay would.
func directTarget(ops []*operation, key, secret string) *target {
	hc := &http.Client{Transport: newTransport(), Timeout: 30 * time.Second}
	return &target{name: "direct", client: func(context.Context, int) (caller, func(), error) {
		return func(ctx context.Context, i int) error {
			op := ops[i]
			var body io.Reader
			if op.body != nil {
				body = bytes.NewReader(op.body)
			}
			req, err := http.NewRequestWithContext(ctx, op.method, op.url, body)
			if err != nil {
				return err
			}
			if op.contentType != "" {
				req.Header.Set("Content-Type", op.contentType)
			}
			req.Header.Set("Accept", "application/json")
			req.SetBasicAuth(key, secret)
			status, _, err := do(hc, req)
			if err == nil && status != http.StatusOK {
				err = fmt.Errorf("direct %s: HTTP %d", op.tool, status)
			}
			return err
		}, nil, nil
	}}
}

// mcpTarget posts tools/call (or any fixed body) to a stateless MCP URL:
// Patchbay, or the floor gateway. urls picks the MCP URL of a request
// (one server, or many for the memory test).
func mcpTarget(name string, urlFor func(worker, i int) string, bodies [][]byte) *target {
	hc := &http.Client{Transport: newTransport(), Timeout: 30 * time.Second}
	return &target{name: name, client: func(_ context.Context, w int) (caller, func(), error) {
		seq := 0
		return func(ctx context.Context, i int) error {
			seq++
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, urlFor(w, seq), bytes.NewReader(bodies[i]))
			if err != nil {
				return err
			}
			setMCPHeaders(req)
			status, out, err := do(hc, req)
			if err != nil {
				return err
			}
			return checkRPC(name, status, out)
		}, nil, nil
	}}
}

func setMCPHeaders(req *http.Request) {
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", protocolVersion)
}

// checkRPC accepts a JSON-RPC answer with a result that is not a tool
// error.
func checkRPC(name string, status int, out []byte) error {
	if status != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d: %.200s", name, status, out)
	}
	if !bytes.Contains(out, []byte(`"result"`)) || bytes.Contains(out, []byte(`"isError":true`)) {
		return fmt.Errorf("%s: not a successful result: %.300s", name, out)
	}
	return nil
}

// do sends req and reads the whole answer.
func do(hc *http.Client, req *http.Request) (int, []byte, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

// mcpPost sends one JSON-RPC body and returns the answer.
func mcpPost(ctx context.Context, hc *http.Client, u string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	setMCPHeaders(req)
	return do(hc, req)
}

// firstCallID asks the sandbox for a call id to read.
func firstCallID(ctx context.Context, base, key, secret string, now time.Time) (string, error) {
	day := now.UTC().Truncate(24 * time.Hour)
	q := url.Values{"fromDateTime": {day.AddDate(0, 0, -7).Format(time.RFC3339)}, "toDateTime": {day.AddDate(0, 0, 1).Format(time.RFC3339)}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v2/calls?"+q.Encode(), nil)
	req.SetBasicAuth(key, secret)
	status, out, err := do(http.DefaultClient, req)
	if err != nil {
		return "", err
	}
	var doc struct {
		Calls []struct {
			ID string `json:"id"`
		} `json:"calls"`
	}
	if status != http.StatusOK || json.Unmarshal(out, &doc) != nil || len(doc.Calls) == 0 {
		return "", errors.New("the sandbox listed no calls in the last 7 days")
	}
	return doc.Calls[0].ID, nil
}
