package store

import (
	"strings"
	"unicode/utf8"
)

// Audit entries carry strings a client chose (its name and version, a tool
// name, a User-Agent) and error text that may quote them. A NUL or invalid
// UTF-8 makes PostgreSQL refuse the INSERT, and an unbounded name grows the
// database and the Activity page, so every store cleans an entry the same
// way before writing it.
const (
	// MaxLogField bounds each client-chosen string of an entry, in bytes.
	MaxLogField = 512
	// MaxLogEntry bounds the strings of a whole entry together, in bytes.
	MaxLogEntry = 4096
)

// CleanText removes NULs, replaces invalid UTF-8 with U+FFFD and cuts s to
// at most max bytes on a character boundary.
func CleanText(s string, max int) string {
	if max <= 0 {
		return ""
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// CleanLogEntry cleans and bounds every string of e in place: each field at
// most MaxLogField bytes, all of them together at most MaxLogEntry.
func CleanLogEntry(e *LogEntry) {
	fields := []*string{&e.ServerID, &e.AccountID, &e.RPCMethod, &e.Status, &e.Tool, &e.ClientName, &e.ClientVersion, &e.Error}
	budget := MaxLogEntry
	for _, f := range fields {
		*f = CleanText(*f, min(MaxLogField, budget))
		budget -= len(*f)
	}
}
