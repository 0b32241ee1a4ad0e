package tools

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/patchbay-dev/patchbay/integrations/gong"
	"github.com/patchbay-dev/patchbay/internal/integration"
)

func TestFirstSentence(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Object ID. For Salesforce both formats are supported.":                    "Object ID.",
		"The provider to use (e.g. 'zoom'). Defaults to the user's.":               "The provider to use (e.g. 'zoom').",
		"Links to systems such as CRM, etc. Currently only Salesforce.":            "Links to systems such as CRM, etc. Currently only Salesforce.",
		"List of user IDs\n\nYou can retrieve the user ids by using the Users API": "List of user IDs",
		"No full stop": "No full stop",
	} {
		if got := firstSentence(in); got != want {
			t.Errorf("firstSentence(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRestates(t *testing.T) {
	t.Parallel()
	person := nameWords(nameWords(nil, "recipients"), "firstName")
	// The integration's own name is no filler for another integration.
	own := ownNames(&integration.Operation{Integration: &integration.Integration{Name: "gong", Title: "Gong"}})
	for _, tc := range []struct {
		desc  string
		names map[string]bool
		want  bool
	}{
		{"The first name of the person, if available.", person, true},
		{"The name of the party, if available.", nameWords(nil, "name"), true},
		{"A task identifier", nameWords(nil, "taskId"), true},
		{"The CRM ID of the prospect.", nameWords(nameWords(nil, "prospects"), "crmId"), true},
		{"The country of the person in ISO 3166.", nameWords(nil, "country"), false},
		{"Required if the crmId is not provided.", nameWords(nil, "firstName"), false},
		{"Gong's unique numeric call ID.", nameWords(own, "callId"), true},
		{"Gong's unique numeric call ID.", nameWords(nil, "callId"), false},
		{"Bramble's unique numeric call ID.", nameWords(own, "callId"), false},
		{"The object type in the external system", enumWords(nameWords(nil, "objectType"), map[string]any{"enum": []any{"CONTACT", "LEAD"}}), true},
		{"The CRM object type: ACCOUNT or DEAL.", enumWords(nameWords(nil, "kind"), map[string]any{"enum": []any{"ACCOUNT", "DEAL"}}), false},
		{"The CRM object type: ACCOUNT or DEAL.", enumWords(nameWords(nil, "objectType"), map[string]any{"items": map[string]any{"enum": []any{"ACCOUNT", "DEAL"}}}), false},
		{"Object type: ACCOUNT or DEAL.", enumWords(nameWords(nil, "objectType"), map[string]any{"enum": []any{"ACCOUNT", "DEAL"}}), true},
	} {
		if got := restates(tc.desc, tc.names); got != tc.want {
			t.Errorf("restates(%q) = %v, want %v", tc.desc, got, tc.want)
		}
	}
}

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCompact(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{
			name: "the argument keeps its text, nested ones a first sentence, deep ones none",
			in: `{"description":"Parties. All of them. Really.","type":"array","items":{"type":"object","properties":{
				"phone":{"type":"string","description":"Dial this. Then wait."},
				"links":{"type":"array","items":{"type":"object","properties":{"objectId":{"type":"string","description":"Where it lives."}}}}}}}`,
			want: `{"description":"Parties. All of them. Really.","type":"array","items":{"type":"object","properties":{
				"phone":{"type":"string","description":"Dial this."},
				"links":{"type":"array","items":{"type":"object","properties":{"objectId":{"type":"string"}}}}}}}`,
		},
		{
			name: "a repeated text is shown once",
			in: `{"type":"object","properties":{
				"a":{"type":"object","description":"Access level.","properties":{}},
				"b":{"type":"object","description":"Access level.","properties":{}}}}`,
			want: `{"type":"object","properties":{
				"a":{"type":"object","description":"Access level.","properties":{}},
				"b":{"type":"object","properties":{}}}}`,
		},
		{
			name: "future-use and deprecated properties are not inputs",
			in: `{"type":"object","required":["objectId","fields"],"properties":{
				"objectId":{"type":"string"},
				"fields":{"type":"array","description":"Object fields. Intended for future use only."},
				"pointsOfInterest":{"type":"boolean","description":"deprecated."}}}`,
			want: `{"type":"object","required":["objectId"],"properties":{"objectId":{"type":"string"}}}`,
		},
		{
			name: "the items' text moves up to an undescribed argument",
			in:   `{"type":"array","items":{"type":"string","description":"Call ids."}}`,
			want: `{"type":"array","description":"Call ids.","items":{"type":"string"}}`,
		},
		{
			name: "a first sentence too long to keep goes whole, not cut",
			in: `{"type":"object","properties":{
				"mediaChannelId":{"type":"integer","description":"The audio channel corresponding to the company team member (rep) used when the call was recorded."}}}`,
			want: `{"type":"object","properties":{"mediaChannelId":{"type":"integer"}}}`,
		},
		{
			name: "an argument's text that only restates its name and values goes",
			in:   `{"type":"string","description":"The arg, ALPHA or BETA.","enum":["ALPHA","BETA"]}`,
			want: `{"type":"string","enum":["ALPHA","BETA"]}`,
		},
		{
			name: "float says nothing",
			in:   `{"type":"number","format":"float"}`,
			want: `{"type":"number"}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := decode(t, tc.in)
			compact(got, 0, map[string]bool{}, nameWords(nil, "arg"))
			if want := decode(t, tc.want); !reflect.DeepEqual(got, want) {
				b, _ := json.Marshal(got)
				t.Errorf("got %s", b)
			}
		})
	}
}

func TestCompactWideFlagObject(t *testing.T) {
	t.Parallel()
	props := map[string]any{"access": map[string]any{"type": "object", "description": "Who sees what."}}
	for _, n := range strings.Fields("a b c d e f g h i j k l m n o p q") {
		props["flag"+n] = map[string]any{"type": "boolean", "description": "User can do " + n + "."}
	}
	s := map[string]any{"type": "object", "properties": props}
	compact(s, 0, map[string]bool{}, nil)
	for name, p := range props {
		_, described := p.(map[string]any)["description"]
		if described != (name == "access") {
			t.Errorf("%s: described=%v", name, described)
		}
	}
}

// The compaction on real Gong schemas: addCall's parties lose the
// future-use CRM fields and keep what a model needs.
func TestUpstreamSchemaOnGongParties(t *testing.T) {
	t.Parallel()
	in, err := integration.Load(gong.FS)
	if err != nil {
		t.Fatal(err)
	}
	s, err := upstreamSchema(in.Operations["addCall"], integration.Param{Name: "parties", In: "body", Field: "parties"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(s)
	got := string(b)
	for _, want := range []string{`"mediaChannelId"`, `"userId"`, `"partyId"`, `"minItems":1`} {
		if !strings.Contains(got, want) {
			t.Errorf("%s missing from %s", want, got)
		}
	}
	for _, gone := range []string{`"fields"`, `"Lead,Contact"`, `Intended for future use`} {
		if strings.Contains(got, gone) {
			t.Errorf("%s still in %s", gone, got)
		}
	}
	if len(b) > 1500 {
		t.Errorf("parties schema is %d bytes", len(b))
	}
}
