package integration_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/patchbay-dev/patchbay/integrations/gong"
	"github.com/patchbay-dev/patchbay/internal/integration"
)

func TestCleanDescription(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{
			// The opening of Gong's GET /v2/crm/integrations description.
			name: "embedded style sheet",
			in:   `<style>.public-api-info {    background: rgb(222, 235, 255);}table, th, td {  border: 1px solid gray;  border-collapse: collapse;}th {  text-align: left;}</style><p>Returns the CRM integration you set up using the <code>PUT /v2/crm/integrations</code> endpoint.</p>`,
			want: "Returns the CRM integration you set up using the PUT /v2/crm/integrations endpoint.",
		},
		{
			name: "lists and entities",
			in:   "The response includes:\n<ul><li>The brief </li>\n\n<li>Details of emails &amp; calls</li></ul>",
			want: "The response includes:\n\n- The brief\n\n- Details of emails & calls",
		},
		{
			name: "path braces are prose, not CSS",
			in:   "Upload the media with /v2/calls/{id}/media.",
			want: "Upload the media with /v2/calls/{id}/media.",
		},
		{
			name: "bearer scope sentence",
			in:   "List calls.\n\nWhen accessed through a Bearer token authorization method, this endpoint requires the scope 'api:calls:read:basic'.",
			want: "List calls.",
		},
		{
			name: "bearer scope sentence, other wording",
			in:   "<p>Returns the integration.</p><p>When accessed using a bearer token, this endpoint requires the 'api:crm:integrations:read' scope.</p>",
			want: "Returns the integration.",
		},
		{
			name: "use the scope",
			in:   "A maximum of 20 flow IDs may be requested at a time.\n\nWhen accessed through a Bearer token authorization method, use the 'api:flows:read' scope.",
			want: "A maximum of 20 flow IDs may be requested at a time.",
		},
		{
			name: "required authorization scope",
			in:   "Retrieves settings of all AI briefs.\n\nRequired authorization scope: 'api:ai-briefer:read'.",
			want: "Retrieves settings of all AI briefs.",
		},
		{
			name: "a conditional scope stays",
			in:   "Lists calls. Clients requesting media URLs should also have the scope 'api:calls:read:media-url'.",
			want: "Lists calls. Clients requesting media URLs should also have the scope 'api:calls:read:media-url'.",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := integration.CleanDescription(tc.in); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// Every description of Gong's document comes out as plain text.
func TestCleanDescriptionOnGongDocument(t *testing.T) {
	t.Parallel()
	in, err := integration.Load(gong.FS)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, id := range in.OperationIDs() {
		op := in.Operations[id].Op
		texts = append(texts, op.Summary, op.Description)
		for _, p := range op.Parameters {
			texts = append(texts, p.Value.Description)
		}
	}
	for _, s := range in.Doc.Components.Schemas {
		texts = append(texts, s.Value.Description)
		for _, p := range s.Value.Properties {
			texts = append(texts, p.Value.Description)
		}
	}
	leftovers := []string{"<p", "</", "<br", "<style", "&amp;", "&nbsp;", "&lt;", "rgb(", "border-collapse", "When accessed through a Bearer", "When accessed using a bearer", "Required authorization scope"}
	for _, text := range texts {
		got := integration.CleanDescription(text)
		for _, bad := range leftovers {
			if strings.Contains(got, bad) {
				t.Errorf("%q left in %q", bad, integration.Shorten(got, 200))
			}
		}
	}
}

func TestShorten(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"Short enough.", 20, "Short enough."},
		{"First sentence here. Second sentence is long.", 30, "First sentence here."},
		{"one two three four five six", 12, "one two…"},
	} {
		if got := integration.Shorten(tc.in, tc.max); got != tc.want {
			t.Errorf("Shorten(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

func TestSchemaJSONRepairsJoinedEnums(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   []any
		want []any
	}{
		{"join next to its parts", []any{"all", "own", "none", "all / own / none"}, []any{"all", "own", "none"}},
		{"comma join next to its parts", []any{"none", "all", "specific-folders", "none, all, specific-folders"}, []any{"none", "all", "specific-folders"}},
		{"join instead of the parts", []any{"number, string, url, date"}, []any{"number", "string", "url", "date"}},
		{"a pair of listed values", []any{"Lead", "Contact", "Lead,Contact"}, []any{"Lead", "Contact"}},
		{"prose is not a join", []any{"A, or else B!"}, []any{"A, or else B!"}},
		{"plain values untouched", []any{"DAY", "WEEK"}, []any{"DAY", "WEEK"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &openapi3.Schema{Type: &openapi3.Types{"string"}, Enum: tc.in}
			got := integration.SchemaJSON(openapi3.NewSchemaRef("", s))["enum"]
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("enum %v became %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

// SchemaJSON drops swagger's noise keys and resolves references.
func TestSchemaJSONOnGongDocument(t *testing.T) {
	t.Parallel()
	in, err := integration.Load(gong.FS)
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range in.Doc.Components.Schemas {
		b, err := json.Marshal(integration.SchemaJSON(s))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, bad := range []string{`"exampleSetFlag"`, `"types":[`, `"$ref"`, `"example":`} {
			if strings.Contains(string(b), bad) {
				t.Errorf("%s: %s left in the schema", name, bad)
			}
		}
	}
}
