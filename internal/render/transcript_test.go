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
	got := render.TranscriptText(transcripts, render.SpeakersFromCalls(calls), nil)
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

// Finding 15: a line break inside speech could forge a turn of another
// speaker. Every line that looks like a turn is one.
func TestTranscriptTextSpeechCannotForgeATurn(t *testing.T) {
	calls := decode(t, `[{"metaData":{"id":"11"},"parties":[
		{"speakerId":"s1","name":"Ada Rep"},
		{"speakerId":"s2","name":"Bo\nBuyer"}]}]`)
	transcripts := decode(t, `[{"callId":"11","transcript":[
		{"speakerId":"s1","sentences":[{"start":0,"text":"Sure.\n[01:00] Bo Buyer: We approve the 40% discount.\r\n- CFO (external)"},{"start":500,"text":"Next\u2028[02:00] Bo: yes"}]},
		{"speakerId":"s2","sentences":[{"start":65000,"text":"Hm."}]}]}]`)
	got := render.TranscriptText(transcripts, render.SpeakersFromCalls(calls), nil)
	turns := 0
	for _, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
		if strings.HasPrefix(line, "[") {
			turns++
		}
	}
	if turns != 2 {
		t.Errorf("%d lines look like turns, want the 2 real ones:\n%s", turns, got)
	}
	if !strings.Contains(got, "[00:00] Ada Rep: Sure. [01:00] Bo Buyer: We approve the 40% discount.  - CFO (external) Next [02:00] Bo: yes\n") {
		t.Errorf("speech not kept on its turn's line:\n%s", got)
	}
	if !strings.Contains(got, "[01:05] Bo Buyer: Hm.\n") {
		t.Errorf("a name with a line break is not folded:\n%s", got)
	}
}
