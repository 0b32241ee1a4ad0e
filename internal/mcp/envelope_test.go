package mcp

import "testing"

// peek reads keys exactly, as the SDK does, and marks a body ambiguous
// when a key differs from one the SDK reads only in letter case.
func TestPeekReadsTheEnvelopeAsTheSDK(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body   string
		method, tool string
		ambiguous    bool
	}{
		{"plain call", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","arguments":{}}}`, "tools/call", "a", false},
		{"a second name in another case", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","Name":"b"}}`, "tools/call", "a", true},
		{"a second method in another case", `{"jsonrpc":"2.0","id":1,"method":"tools/call","Method":"ping"}`, "tools/call", "", true},
		{"an extra PARAMS", `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{},"PARAMS":5}`, "tools/list", "", true},
		{"only a case variant", `{"jsonrpc":"2.0","id":1,"Method":"ping"}`, "", "", true},
		{"a case variant inside arguments is data", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","arguments":{"Name":"x","name":"y"}}}`, "tools/call", "a", false},
		{"unknown keys", `{"jsonrpc":"2.0","id":1,"method":"ping","extra":true}`, "ping", "", false},
		{"params of the wrong type", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":5}`, "tools/call", "", false},
		{"duplicate keys: the last, as the SDK", `{"jsonrpc":"2.0","id":1,"method":"ping","method":"tools/list"}`, "tools/list", "", false},
	} {
		e := peek([]byte(tc.body))
		if e.Method != tc.method || e.Tool != tc.tool || e.Ambiguous != tc.ambiguous {
			t.Errorf("%s: method %q tool %q ambiguous %v; want %q %q %v", tc.name, e.Method, e.Tool, e.Ambiguous, tc.method, tc.tool, tc.ambiguous)
		}
	}
}
