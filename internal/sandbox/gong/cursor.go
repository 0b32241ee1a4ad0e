package gong

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// pageSize is Gong's fixed page size; clients cannot change it.
const pageSize = 100

// cursorCodec makes opaque, tamper-evident cursors. A cursor names the
// listing it belongs to, a digest of the request that made it (endpoint,
// filters, date range) and the offset of the next page; it looks like the
// JWT-style cursors Gong hands out. A cursor sent with another request is
// refused, never applied to it.
type cursorCodec struct{ key []byte }

func newCursorCodec(seed uint64) *cursorCodec {
	return &cursorCodec{key: []byte(fmt.Sprintf("gong-sandbox-cursor-%d", seed))}
}

type cursorPayload struct {
	Kind    string `json:"k"`
	Offset  int    `json:"o"`
	Binding string `json:"b"`
}

const cursorHeader = "eyJhbGciOiJIUzI1NiJ9"

func (c *cursorCodec) encode(kind, binding string, offset int) string {
	body, _ := json.Marshal(cursorPayload{Kind: kind, Offset: offset, Binding: binding})
	p := base64.RawURLEncoding.EncodeToString(body)
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(p))
	return cursorHeader + "." + p + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// decode returns the offset a cursor resumes at; valid is false for a
// cursor that is not one of ours, bound false for one of ours that another
// request made.
func (c *cursorCodec) decode(kind, binding, cursor string) (offset int, valid, bound bool) {
	parts := strings.Split(cursor, ".")
	if len(parts) != 3 || parts[0] != cursorHeader {
		return 0, false, false
	}
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(parts[1]))
	want := base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
	if !hmac.Equal([]byte(want), []byte(parts[2])) {
		return 0, false, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return 0, false, false
	}
	var p cursorPayload
	if json.Unmarshal(raw, &p) != nil || p.Offset < 0 {
		return 0, false, false
	}
	return p.Offset, true, p.Kind == kind && p.Binding == binding
}

// binding digests what a cursor is bound to: the endpoint, and the query
// string (GET) or the JSON body (POST) without the cursor itself. The
// contentSelector of /v2/calls/extensive only shapes the answer, so it may
// change between pages.
func (x *exchange) binding() string {
	h := sha256.New()
	h.Write([]byte(x.r.Method + " " + x.r.URL.Path + "\n"))
	if x.r.Method == http.MethodGet {
		q := x.r.URL.Query()
		q.Del("cursor")
		h.Write([]byte(q.Encode()))
	} else {
		var m map[string]any
		if json.Unmarshal(x.reqBody, &m) == nil {
			delete(m, "cursor")
			delete(m, "contentSelector")
			canonical, _ := json.Marshal(m) // map keys come out sorted
			h.Write(canonical)
		}
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:12])
}

// Records is Gong's paging envelope.
type Records struct {
	TotalRecords      int    `json:"totalRecords"`
	CurrentPageSize   int    `json:"currentPageSize"`
	CurrentPageNumber int    `json:"currentPageNumber"`
	Cursor            string `json:"cursor,omitempty"`
}

// page resolves the cursor for a listing of total items. It answers 400
// itself for a cursor that is not one of ours. currentPageNumber counts
// from 0, as in the examples of Gong's documentation.
func (x *exchange) page(kind, cursor string, total int) (from, to int, rec Records, ok bool) {
	binding := x.binding()
	if cursor != "" {
		off, valid, bound := x.s.cursors.decode(kind, binding, cursor)
		if !valid {
			x.fail(http.StatusBadRequest, "Invalid cursor: "+cursor)
			return 0, 0, rec, false
		}
		if !bound {
			x.fail(http.StatusBadRequest, "The cursor does not belong to this request: it was issued for another endpoint, filter or date range. Repeat the original request to page through it, or start again without a cursor.")
			return 0, 0, rec, false
		}
		from = off
	}
	from = min(from, total)
	to = min(from+pageSize, total)
	rec = Records{TotalRecords: total, CurrentPageSize: to - from, CurrentPageNumber: from / pageSize}
	if to < total {
		rec.Cursor = x.s.cursors.encode(kind, binding, to)
	}
	return from, to, rec, true
}
