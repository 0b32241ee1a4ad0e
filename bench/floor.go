package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// The floor gateway is the lower bound of what any gateway can cost: the
// smallest hand-written JSON-RPC handler that does Patchbay's proxying job
// for the measured tools, with no MCP library, no database, no audit log
// and no answer mapping. It checks the URL's token, decodes the JSON-RPC
// request, builds the Gong request, forwards it over pooled connections
// and wraps the answer as a text content item.
//
// It runs in its own process (bench -role floor), like Patchbay.

type floorRequest struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	} `json:"params"`
}

type floorContent struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type floorResult struct {
	Content []floorContent `json:"content"`
	IsError bool           `json:"isError,omitempty"`
}

type floorResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  *floorResult    `json:"result,omitempty"`
	Error   *floorError     `json:"error,omitempty"`
}

type floorError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// floorBuild makes the upstream request of a tool call.
func floorBuild(base, name string, raw json.RawMessage) (*http.Request, error) {
	var args struct {
		FromDateTime string   `json:"fromDateTime"`
		ToDateTime   string   `json:"toDateTime"`
		ID           string   `json:"id"`
		CallIDs      []string `json:"callIds"`
	}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &args); err != nil {
			return nil, err
		}
	}
	switch name {
	case "list_all_gong_calls":
		q := url.Values{"fromDateTime": {args.FromDateTime}, "toDateTime": {args.ToDateTime}}
		return http.NewRequest(http.MethodGet, base+"/v2/calls?"+q.Encode(), nil)
	case "get_single_gong_call_by_id":
		return http.NewRequest(http.MethodGet, base+"/v2/calls/"+url.PathEscape(args.ID), nil)
	case "create_a_gong_calls_transcript":
		body, err := json.Marshal(map[string]any{"filter": map[string]any{"callIds": args.CallIDs}})
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequest(http.MethodPost, base+"/v2/calls/transcript", bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
		return req, err
	}
	return nil, fmt.Errorf("unknown tool %q", name)
}

func runFloor(addr, base, key, secret, token string) error {
	if base == "" || token == "" {
		return fmt.Errorf("-upstream and FLOOR_TOKEN are required")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	reply := func(w http.ResponseWriter, resp floorResponse) {
		resp.JSONRPC = "2.0"
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /mcp/{token}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("token") != token {
			http.Error(w, "no MCP server at this URL", http.StatusNotFound)
			return
		}
		var in floorRequest
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			reply(w, floorResponse{ID: json.RawMessage("null"), Error: &floorError{-32700, "parse error"}})
			return
		}
		if in.Method != "tools/call" {
			reply(w, floorResponse{ID: in.ID, Error: &floorError{-32601, "method not found"}})
			return
		}
		up, err := floorBuild(base, in.Params.Name, in.Params.Arguments)
		if err != nil {
			reply(w, floorResponse{ID: in.ID, Error: &floorError{-32602, err.Error()}})
			return
		}
		up = up.WithContext(r.Context())
		up.SetBasicAuth(key, secret)
		up.Header.Set("Accept", "application/json")
		resp, err := hc.Do(up)
		if err != nil {
			reply(w, floorResponse{ID: in.ID, Result: &floorResult{Content: []floorContent{{"text", err.Error()}}, IsError: true}})
			return
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		isErr := err != nil || resp.StatusCode >= 400
		reply(w, floorResponse{ID: in.ID, Result: &floorResult{Content: []floorContent{{"text", string(body)}}, IsError: isErr}})
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("floor: http://%s\n", ln.Addr())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}
