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
// listing it belongs to and the offset of the next page; it looks like the
// JWT-style cursors Gong hands out.
type cursorCodec struct{ key []byte }

func newCursorCodec(seed uint64) *cursorCodec {
	return &cursorCodec{key: []byte(fmt.Sprintf("gong-sandbox-cursor-%d", seed))}
}

type cursorPayload struct {
	Kind   string `json:"k"`
	Offset int    `json:"o"`
}

const cursorHeader = "eyJhbGciOiJIUzI1NiJ9"

func (c *cursorCodec) encode(kind string, offset int) string {
	body, _ := json.Marshal(cursorPayload{Kind: kind, Offset: offset})
	p := base64.RawURLEncoding.EncodeToString(body)
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(p))
	return cursorHeader + "." + p + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

func (c *cursorCodec) decode(kind, cursor string) (int, bool) {
	parts := strings.Split(cursor, ".")
	if len(parts) != 3 || parts[0] != cursorHeader {
		return 0, false
	}
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(parts[1]))
	want := base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
	if !hmac.Equal([]byte(want), []byte(parts[2])) {
		return 0, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return 0, false
	}
	var p cursorPayload
	if json.Unmarshal(raw, &p) != nil || p.Kind != kind || p.Offset < 0 {
		return 0, false
	}
	return p.Offset, true
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
	if cursor != "" {
		off, valid := x.s.cursors.decode(kind, cursor)
		if !valid {
			x.fail(http.StatusBadRequest, "Invalid cursor: "+cursor)
			return 0, 0, rec, false
		}
		from = off
	}
	from = min(from, total)
	to = min(from+pageSize, total)
	rec = Records{TotalRecords: total, CurrentPageSize: to - from, CurrentPageNumber: from / pageSize}
	if to < total {
		rec.Cursor = x.s.cursors.encode(kind, to)
	}
	return from, to, rec, true
}
