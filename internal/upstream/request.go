// Package upstream makes one call to the vendor's API for one tool call:
// it builds the HTTP request from the tool's parameter mapping, attaches
// credentials, and maps the answer (or the failure) into a tool result.
// Nothing here retries: a 429 goes straight back to the client.
package upstream

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/tools"
)

// ArgError is a problem with the caller's arguments found while building
// the request; no upstream call was made.
type ArgError struct{ Msg string }

func (e *ArgError) Error() string { return e.Msg }

// DecodeArgs parses tool arguments, keeping numbers exact (json.Number) so
// 19-digit ids never pass through a float.
func DecodeArgs(raw json.RawMessage) (map[string]any, error) {
	args := map[string]any{}
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return args, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&args); err != nil {
		return nil, &ArgError{Msg: "arguments must be a JSON object: " + err.Error()}
	}
	if dec.More() {
		return nil, &ArgError{Msg: "arguments must be a single JSON object"}
	}
	return args, nil
}

// Build turns validated arguments into the upstream HTTP request against
// baseURL (scheme://host, no trailing slash needed).
func Build(ctx context.Context, baseURL string, t *tools.Tool, args map[string]any) (*http.Request, error) {
	op := t.Operation
	path := op.Path
	query := url.Values{}
	var body any
	hasBody := false
	var files []filePart

	for _, p := range t.Params {
		v, ok := args[p.Name]
		if !ok || v == nil {
			continue
		}
		switch p.In {
		case "path":
			s, err := pathValue(p.Name, v)
			if err != nil {
				return nil, err
			}
			path = strings.Replace(path, "{"+p.UpstreamField()+"}", url.PathEscape(s), 1)
		case "query":
			addQuery(query, p.UpstreamField(), v)
		case "file":
			content, err := ldjson(p.Name, v)
			if err != nil {
				return nil, err
			}
			files = append(files, filePart{field: p.UpstreamField(), content: content})
		case "body":
			hasBody = true
			if p.UpstreamField() == "." {
				body = v
				continue
			}
			m, _ := body.(map[string]any)
			if m == nil {
				m = map[string]any{}
			}
			setPath(m, strings.Split(p.UpstreamField(), "."), v)
			body = m
		}
	}
	if strings.Contains(path, "{") {
		return nil, &ArgError{Msg: "missing path parameter for " + op.Path}
	}
	if c, ok := args[integration.CursorArg].(string); ok && c != "" {
		switch t.Record.Cursor {
		case "query":
			query.Set("cursor", c)
		case "body":
			m, _ := body.(map[string]any)
			if m == nil {
				m = map[string]any{}
			}
			m["cursor"] = c
			body, hasBody = m, true
		}
	}
	// Gong's POST reads need an object body, with its "filter" object, even
	// when every filter is optional; without them Gong answers 400.
	if !hasBody && (op.Method == http.MethodPost || op.Method == http.MethodPut || op.Method == http.MethodPatch) && t.Operation.HasRequestBody {
		body, hasBody = map[string]any{}, true
	}
	if m, ok := body.(map[string]any); ok {
		for _, name := range t.RequiredBodyObjects {
			if _, set := m[name]; !set {
				m[name] = map[string]any{}
			}
		}
	}

	u := strings.TrimRight(baseURL, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	if len(files) > 0 {
		return multipartRequest(ctx, op.Method, u, files)
	}
	var rdr *bytes.Reader
	if hasBody {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, &ArgError{Msg: "cannot encode body: " + err.Error()}
		}
		rdr = bytes.NewReader(b)
	}
	var req *http.Request
	var err error
	if rdr != nil {
		req, err = http.NewRequestWithContext(ctx, op.Method, u, rdr)
	} else {
		req, err = http.NewRequestWithContext(ctx, op.Method, u, nil)
	}
	if err != nil {
		return nil, err
	}
	if hasBody {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	return req, nil
}

// pathValue renders a path argument, refused unless it is one path
// segment (pathsegment.go).
func pathValue(name string, v any) (string, error) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case json.Number:
		s = x.String()
	default:
		return "", &ArgError{Msg: fmt.Sprintf("%s must be a string", name)}
	}
	if err := checkPathSegment(name, s); err != nil {
		return "", err
	}
	return s, nil
}

func addQuery(q url.Values, key string, v any) {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			addQuery(q, key, e)
		}
	case string:
		q.Add(key, x)
	case json.Number:
		q.Add(key, x.String())
	case bool:
		q.Add(key, fmt.Sprint(x))
	default:
		b, _ := json.Marshal(x)
		q.Add(key, string(b))
	}
}

func setPath(m map[string]any, parts []string, v any) {
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[parts[len(parts)-1]] = v
}

// filePart is one multipart file built from an argument.
type filePart struct {
	field   string
	content []byte
}

// ldjson writes an array of objects as one JSON object per line, the
// format of Gong's CRM uploads.
func ldjson(name string, v any) ([]byte, error) {
	items, ok := v.([]any)
	if !ok {
		return nil, &ArgError{Msg: name + " must be an array of objects"}
	}
	var buf bytes.Buffer
	for i, it := range items {
		if _, ok := it.(map[string]any); !ok {
			return nil, &ArgError{Msg: fmt.Sprintf("%s[%d] must be an object", name, i)}
		}
		b, err := json.Marshal(it)
		if err != nil {
			return nil, &ArgError{Msg: fmt.Sprintf("%s[%d]: %v", name, i, err)}
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	return buf.Bytes(), nil
}

func multipartRequest(ctx context.Context, method, u string, files []filePart) (*http.Request, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range files {
		w, err := mw.CreateFormFile(f.field, f.field+".ldjson")
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(f.content); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, u, &buf)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "application/json")
	return req, nil
}
