package store

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"plain", "claude-code", 512, "claude-code"},
		{"nul removed", "a\x00b\x00", 512, "ab"},
		{"invalid utf-8 replaced", "a\xffb", 512, "a\uFFFDb"},
		{"cut mid-rune backs off", "ab" + "é", 3, "ab"},
		{"cut on boundary", "abc" + "é", 5, "abcé"},
		{"cut of three-byte rune", "€€", 4, "€"},
		{"bounded", strings.Repeat("x", 600), 512, strings.Repeat("x", 512)},
		{"zero max", "abc", 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CleanText(tc.in, tc.max); got != tc.want {
				t.Errorf("CleanText(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
			}
		})
	}
}

func TestCleanLogEntryBoundsWholeEntry(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("é", 2000) // 4000 bytes
	e := &LogEntry{ServerID: "srv", AccountID: "acc", RPCMethod: "tools/call", Status: "ok",
		Tool: big, ClientName: big, ClientVersion: big + "\x00", Error: big + "\xff"}
	CleanLogEntry(e)
	total := 0
	for _, s := range []string{e.ServerID, e.AccountID, e.RPCMethod, e.Status, e.Tool, e.ClientName, e.ClientVersion, e.Error} {
		if len(s) > 512 || !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			t.Errorf("field %d bytes, valid %v: not cleaned", len(s), utf8.ValidString(s))
		}
		total += len(s)
	}
	if total > 4096 {
		t.Errorf("entry is %d bytes, want at most 4096", total)
	}
	if e.ServerID != "srv" || e.RPCMethod != "tools/call" || e.Status != "ok" {
		t.Errorf("short fields changed: %+v", e)
	}
}

func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"", "claude", "a\x00b", "\xff\xfe", "é€𝄞", strings.Repeat("€", 300)} {
		f.Add(s, 512)
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		max = max % 2048
		got := CleanText(s, max)
		if !utf8.ValidString(got) || strings.ContainsRune(got, 0) {
			t.Fatalf("CleanText(%q, %d) = %q: not clean", s, max, got)
		}
		if len(got) > max && !(max <= 0 && got == "") {
			t.Fatalf("CleanText(%q, %d) is %d bytes", s, max, len(got))
		}
		if utf8.ValidString(s) && !strings.ContainsRune(s, 0) && len(s) <= max && got != s {
			t.Fatalf("clean input %q changed to %q", s, got)
		}
		if !strings.HasPrefix(strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD"), got) {
			t.Fatalf("CleanText(%q, %d) = %q is not a prefix of the cleaned input", s, max, got)
		}
	})
}
