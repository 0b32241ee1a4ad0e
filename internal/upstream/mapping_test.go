package upstream

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
)

// The answer is cut from the upstream bytes: the vendor's key order and
// every digit survive, and Value decodes the same text.
func TestSuccessTextKeepsTheUpstreamBytes(t *testing.T) {
	set := benchSet(t)
	list, _ := set.Lookup("list_all_gong_calls")
	get, _ := set.Lookup("get_single_gong_call_by_id")
	tests := []struct {
		name string
		tool string
		body string
		want string
	}{
		{"list with cursor", "list",
			`{ "requestId": "r", "records": {"totalRecords": 3, "cursor": "c\u00e92"},
			  "calls": [ {"zeta": 1, "id": "12345678901234567890", "big": 123456789012345678901234567890, "html": "<b>&</b>"} ] }`,
			`{"next_cursor":"cé2","result":[ {"zeta": 1, "id": "12345678901234567890", "big": 123456789012345678901234567890, "html": "<b>&</b>"} ]}`},
		{"last page", "list", `{"records":{"totalRecords":1},"calls":[]}`, `{"next_cursor":null,"result":[]}`},
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
		tl := list
		if tc.tool == "get" {
			tl = get
		}
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
