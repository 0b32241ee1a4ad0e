package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// Finding 1, end to end: 100 well-behaved requests interleaved with 50
// carrying a NUL in clientInfo.name or a User-Agent that the audit log cut
// in the middle of a character. Every request answered 200 has its entry,
// the bad ones cleaned; none of the 100 loses its entry. Run on SQLite
// here and on PostgreSQL (where the INSERT used to fail) in
// TestPostgresAuditEntriesSurviveBadInput.
func TestAuditEntriesSurviveBadInput(t *testing.T) {
	testAuditEntriesSurviveBadInput(t, newEnvWith(t, envOptions{config: permissive}))
}

func testAuditEntriesSurviveBadInput(t *testing.T, e *env) {
	srv := e.server(map[string]any{})
	type sent struct {
		ua   string
		body string
	}
	var reqs []sent
	for i := range 150 {
		switch {
		case i%3 != 2:
			reqs = append(reqs, sent{fmt.Sprintf("good-client-%d", i), `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`})
		case i%2 == 0:
			// "x" then 100 two-byte characters: the log keeps 120 bytes, mid-character.
			reqs = append(reqs, sent{"x" + strings.Repeat("é", 100), `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`})
		default:
			reqs = append(reqs, sent{"bad", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"evil\u0000client","version":"1\u0000"}}}`})
		}
	}
	statuses := postAll(len(reqs), func(i int) (string, string, string) {
		return srv.URL, reqs[i].body, reqs[i].ua
	})
	var logs struct {
		Result []struct {
			Method     string `json:"method"`
			ClientName string `json:"client_name"`
		}
	}
	e.mustAPI("GET", "/log?log_type=mcp&limit=1000&mcp_server_id="+srv.ID, nil, http.StatusOK, &logs)
	byClient := map[string]int{}
	for _, l := range logs.Result {
		if !utf8.ValidString(l.ClientName) || strings.ContainsRune(l.ClientName, 0) {
			t.Errorf("entry with an unclean client name %q", l.ClientName)
		}
		byClient[l.ClientName]++
	}
	answered := 0
	for i, r := range reqs {
		if statuses[i] != http.StatusOK {
			continue
		}
		answered++
		if strings.HasPrefix(r.ua, "good-client-") && byClient[r.ua] != 1 {
			t.Errorf("well-behaved request %s: %d entries, want 1", r.ua, byClient[r.ua])
		}
	}
	if answered != len(reqs) {
		t.Errorf("%d of %d requests answered 200", answered, len(reqs))
	}
	if len(logs.Result) != answered {
		t.Errorf("%d entries for %d answered requests", len(logs.Result), answered)
	}
	if byClient["evilclient"] != 25 {
		t.Errorf("%d entries for the NUL client name, cleaned to \"evilclient\"; want 25 (%v)", byClient["evilclient"], byClient)
	}
}
