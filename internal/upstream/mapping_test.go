package upstream

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/patchbay-dev/patchbay/internal/tools"
)

// The answer is cut from the upstream bytes: the vendor's key order and
// every digit survive, and Value decodes the same text.
func TestSuccessTextKeepsTheUpstreamBytes(t *testing.T) {
	set := benchSet(t)
	list, _ := set.Lookup("list_all_gong_calls")
	get, _ := set.Lookup("get_single_gong_call_by_id")
	stats, _ := set.Lookup("list_all_gong_activity_aggregate")
	tests := []struct {
		name string
		tool string
		body string
		want string
	}{
		{"list with cursor", "list",
			`{ "requestId": "r", "records": {"totalRecords": 3, "cursor": "c\u00e92"},
			  "calls": [ {"zeta": 1, "id": "12345678901234567890", "big": 123456789012345678901234567890, "html": "<b>&</b>"} ] }`,
			`{"next_cursor":"cé2","total":3,"result":[ {"zeta": 1, "id": "12345678901234567890", "big": 123456789012345678901234567890, "html": "<b>&</b>"} ]}`},
		{"last page", "list", `{"records":{"totalRecords":1},"calls":[]}`, `{"next_cursor":null,"total":1,"result":[]}`},
		{"total not a number", "list", `{"records":{"totalRecords":"many"},"calls":[]}`, `{"next_cursor":null,"result":[]}`},
		{"stats keep their time zone and range", "stats",
			`{"requestId":"r","records":{"totalRecords":2,"cursor":"n"},"usersAggregateActivityStats":[{"userId":"1"}],"fromDateTime":"2026-01-01T00:00:00-08:00","toDateTime":"2026-02-01T00:00:00-08:00","timeZone":"America/Los_Angeles"}`,
			`{"next_cursor":"n","total":2,"timeZone":"America/Los_Angeles","fromDateTime":"2026-01-01T00:00:00-08:00","toDateTime":"2026-02-01T00:00:00-08:00","result":[{"userId":"1"}]}`},
		{"stats without the fields", "stats", `{"usersAggregateActivityStats":[]}`, `{"next_cursor":null,"result":[]}`},
		{"empty cursor", "list", `{"records":{"cursor":""},"calls":[{"id":"1"}]}`, `{"next_cursor":null,"result":[{"id":"1"}]}`},
		{"null list", "list", `{"calls":null}`, `{"next_cursor":null,"result":[]}`},
		{"no list", "list", `{"requestId":"r"}`, `{"next_cursor":null,"result":[]}`},
		{"list not an array", "list", `{"calls":{"id":"1"}}`, `{"next_cursor":null,"result":[]}`},
		{"top-level array", "list", `[1,2]`, `{"next_cursor":null,"result":[]}`},
		{"cursor not a string", "list", `{"records":{"cursor":7},"calls":[]}`, `{"next_cursor":null,"result":[]}`},
		{"plain tool", "get", "{\n  \"call\": {\"b\": 2, \"a\": 1}\n}", "{\n  \"call\": {\"b\": 2, \"a\": 1}\n}"},
		{"empty body", "get", "  ", `{"status":200}`},
	}
	for _, tc := range tests {
		tl := map[string]*tools.Tool{"list": list, "get": get, "stats": stats}[tc.tool]
		res := mapResponse(set.Integration, tl, &http.Response{StatusCode: 200}, []byte(tc.body), nil)
		text, err := res.Text()
		if err != nil || res.IsError || string(text) != tc.want {
			t.Errorf("%s: %s (err %v, isError %v)\nwant %s", tc.name, text, err, res.IsError, tc.want)
			continue
		}
		var direct any
		dec := json.NewDecoder(bytes.NewReader(text))
		dec.UseNumber()
		_ = dec.Decode(&direct)
		got, _ := json.Marshal(res.Value())
		again, _ := json.Marshal(direct)
		if string(got) != string(again) {
			t.Errorf("%s: Value() %s differs from the text %s", tc.name, got, again)
		}
	}
	bad := mapResponse(set.Integration, get, &http.Response{StatusCode: 200}, []byte(`{"call":`), nil)
	if !bad.IsError {
		t.Error("a truncated body mapped to a success")
	}
}
