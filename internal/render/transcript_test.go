package render_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/patchbay-dev/patchbay/internal/render"
)

func decode(t *testing.T, s string) []any {
	t.Helper()
	var v []any
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestTranscriptText(t *testing.T) {
	calls := decode(t, `[{"metaData":{"id":"11"},"parties":[
		{"speakerId":"s1","name":"Ada Rep","title":"AE","affiliation":"Internal","emailAddress":"ada@seller.com"},
		{"speakerId":"s2","name":"Bo Buyer","title":"CTO","affiliation":"External","emailAddress":"bo@initech.com",
		 "context":[{"system":"Salesforce","objects":[{"objectType":"Account","fields":[{"name":"Name","value":"Initech"}]}]}]}]}]`)
	transcripts := decode(t, `[{"callId":"11","transcript":[
		{"speakerId":"s1","topic":"Intro","sentences":[{"start":0,"end":900,"text":"Hi Bo."},{"start":1000,"end":2000,"text":"Thanks for joining."}]},
		{"speakerId":"s2","sentences":[{"start":65000,"end":70000,"text":"That's more than we budgeted."}]},
		{"speakerId":"s9","sentences":[{"start":3725000,"end":3726000,"text":"Who am I?"}]},
		{"speakerId":"s1","sentences":[]}]}]`)
	got := render.TranscriptText(transcripts, render.SpeakersFromCalls(calls))
	want := `Call 11
Speakers:
- Ada Rep (seller.com, AE, internal)
- Bo Buyer (Initech, CTO, external)
- speaker s9
[00:00] Ada Rep: Hi Bo. Thanks for joining.
[01:05] Bo Buyer: That's more than we budgeted.
[62:05] speaker s9: Who am I?
`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
