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
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
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
	if op == nil {
		// A finder is made of other tools' requests (the executor runs it).
		return nil, fmt.Errorf("%s is not one upstream request", t.Name)
	}
	parts := requestParts{path: op.Path, query: url.Values{}}
	if err := placeArgs(t, args, &parts); err != nil {
		return nil, err
	}
	if strings.Contains(parts.path, "{") {
		return nil, &ArgError{Msg: "missing path parameter for " + op.Path}
	}
	if err := placeCursor(t, args, &parts); err != nil {
		return nil, err
	}
	applyBodyDefaults(t, &parts)

	u := strings.TrimRight(baseURL, "/") + parts.path
	if len(parts.query) > 0 {
		u += "?" + parts.query.Encode()
	}
	if len(parts.files) > 0 {
		return multipartRequest(ctx, op.Method, u, parts.files)
	}
	return jsonRequest(ctx, op.Method, u, parts.body, parts.hasBody)
}

// requestParts is an upstream request before it is encoded.
type requestParts struct {
	path    string
	query   url.Values
	body    any
	hasBody bool
	files   []filePart
}

// bodyObject is the body as an object, made one if it is not yet.
func (r *requestParts) bodyObject() map[string]any {
	m, _ := r.body.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	r.body, r.hasBody = m, true
	return m
}

// placeArgs puts each argument where its parameter mapping says: the path,
// the query, a body field (or the whole body), or a multipart file.
func placeArgs(t *tools.Tool, args map[string]any, parts *requestParts) error {
	for _, p := range t.Params {
		v, ok := args[p.Name]
		if !ok || v == nil {
			continue
		}
		switch p.In {
		case "path":
			s, err := pathValue(p.Name, v)
			if err != nil {
				return err
			}
			parts.path = strings.Replace(parts.path, "{"+p.UpstreamField()+"}", url.PathEscape(s), 1)
		case "query":
			addQuery(parts.query, p.UpstreamField(), v)
		case "file":
			content, err := ldjson(p.Name, v)
			if err != nil {
				return err
			}
			parts.files = append(parts.files, filePart{field: p.UpstreamField(), content: content})
		case "body":
			if p.UpstreamField() == "." {
				parts.body, parts.hasBody = v, true
				continue
			}
			setPath(parts.bodyObject(), strings.Split(p.UpstreamField(), "."), v)
		}
	}
	return nil
}

// placeCursor sends the page cursor (or page number) back under the
// integration's parameter name, in the query or the body as the record says.
func placeCursor(t *tools.Tool, args map[string]any, parts *requestParts) error {
	c, ok := args[integration.CursorArg].(string)
	if !ok || c == "" {
		return nil
	}
	paging := pagination(t)
	page := -1
	if paging.Style == integration.PageByNumber {
		n, err := strconv.Atoi(c)
		if err != nil || n < 0 {
			return &ArgError{Msg: integration.CursorArg + " must be a page number from a previous answer"}
		}
		page = n
	}
	switch t.Record.Cursor {
	case "query":
		parts.query.Set(paging.Param, c)
	case "body":
		var v any = c
		if page >= 0 {
			v = page // a page number travels as a number
		}
		setPath(parts.bodyObject(), strings.Split(paging.Param, "."), v)
	}
	return nil
}

// applyBodyDefaults gives a body-taking write method the integration's
// default body when no argument filled one, and adds the top-level objects
// upstream requires even when empty.
func applyBodyDefaults(t *tools.Tool, parts *requestParts) {
	op := t.Operation
	if !parts.hasBody && op.HasRequestBody && (op.Method == http.MethodPost || op.Method == http.MethodPut || op.Method == http.MethodPatch) {
		if def := defaultBody(op); def != nil {
			parts.body, parts.hasBody = def, true
		}
	}
	if m, ok := parts.body.(map[string]any); ok {
		for _, name := range t.RequiredBodyObjects {
			if _, set := m[name]; !set {
				m[name] = map[string]any{}
			}
		}
	}
}

// jsonRequest encodes the body, if any, as JSON.
func jsonRequest(ctx context.Context, method, u string, body any, hasBody bool) (*http.Request, error) {
	var rdr io.Reader
	if hasBody {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, &ArgError{Msg: "cannot encode body: " + err.Error()}
		}
		rdr = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rdr)
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
