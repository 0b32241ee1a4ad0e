package render

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// A 20-minute call: a turn a minute, alternating sides (speaker "a" is
// ours, "b" theirs), each turn two sentences 30 s apart.
func aimCall() []any {
	var turns []any
	for m := range 20 {
		sid := "a"
		if m%2 == 1 {
			sid = "b"
		}
		var ss []any
		for k := range 2 {
			start := int64(m*60_000 + k*30_000)
			ss = append(ss, map[string]any{"start": json.Number(fmt.Sprint(start)), "end": json.Number(fmt.Sprint(start + 25_000)), "text": fmt.Sprintf("minute %d part %d", m, k)})
		}
		if m == 7 {
			ss[1].(map[string]any)["text"] = "Honestly ACME  Corp offered us a lower price."
		}
		if m == 15 {
			ss[0].(map[string]any)["text"] = "We also talked to acme corp."
		}
		turns = append(turns, map[string]any{"speakerId": sid, "topic": "t", "sentences": ss})
	}
	return []any{map[string]any{"callId": "c1", "transcript": turns}}
}

var aimPeople = Speakers{"c1": {"a": {Name: "Rep", Affiliation: "Internal"}, "b": {Name: "Buyer", Affiliation: "External"}}}

// starts lists the kept sentences' start minutes and parts, "m.k".
func starts(out []any) []string {
	var got []string
	for _, turn := range Items(out[0].(map[string]any)["transcript"]) {
		for _, s := range sentences(turn) {
			ms := millis(s["start"])
			got = append(got, fmt.Sprintf("%d.%d", ms/60_000, (ms%60_000)/30_000))
		}
	}
	return got
}

func TestAimNarrowsTranscripts(t *testing.T) {
	t.Parallel()
	all := starts(aimCall())
	between := func(lo, hi string, side int) []string { // side -1 any, else minute parity
		var out []string
		for _, s := range all {
			var m, k int
			fmt.Sscanf(s, "%d.%d", &m, &k)
			v := float64(m) + float64(k)/2
			var l, h float64
			fmt.Sscan(lo, &l)
			fmt.Sscan(hi, &h)
			if v >= l && v < h && (side < 0 || m%2 == side) {
				out = append(out, s)
			}
		}
		return out
	}
	cases := []struct {
		name string
		aim  Aim
		want []string
	}{
		// The last sentence ends at 19:55, so the final 10 minutes start at 9:55.
		{"last ten minutes", Aim{LastMinutes: 10}, between("10", "99", -1)},
		{"a window", Aim{FromSecond: 120, ToSecond: 300}, between("2", "5", -1)},
		{"from a second to the end", Aim{FromSecond: 1110}, between("18.5", "99", -1)},
		{"their side", Aim{Side: "External"}, between("0", "99", 1)},
		{"our side, final five minutes", Aim{Side: "internal", LastMinutes: 5}, between("15", "99", 0)},
		// Minute 7 and 15 mention Acme: their turns and one either side.
		{"mentions with context", Aim{Mentions: []string{"acme corp"}}, append(between("6", "9", -1), between("14", "17", -1)...)},
		{"no mention found", Aim{Mentions: []string{"initech"}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := tc.aim.Check(); err != nil {
				t.Fatal(err)
			}
			in := aimCall()
			before, _ := json.Marshal(in)
			out := tc.aim.Apply(in, aimPeople)
			if got := starts(out); !slices.Equal(got, tc.want) {
				t.Fatalf("kept %v, want %v", got, tc.want)
			}
			if after, _ := json.Marshal(in); string(after) != string(before) {
				t.Fatal("Apply changed its input")
			}
			if out[0].(map[string]any)["callId"] != "c1" {
				t.Fatal("the call lost its id")
			}
		})
	}
}

func TestAimRefusesNonsense(t *testing.T) {
	t.Parallel()
	for _, a := range []Aim{
		{LastMinutes: -1},
		{LastMinutes: 5, FromSecond: 10},
		{FromSecond: 100, ToSecond: 50},
		{Side: "theirs"},
		{Mentions: []string{" "}},
	} {
		if err := a.Check(); err == nil {
			t.Errorf("%+v: no error", a)
		}
	}
	if !(Aim{Side: "ALL"}).Zero() || (Aim{Mentions: []string{"x"}}).Zero() {
		t.Error("Zero is wrong")
	}
	if text := TranscriptText(Aim{Mentions: []string{"acme"}}.Apply(aimCall(), aimPeople), aimPeople, Calls{"c1": {Title: "Pricing call", Started: "2026-12-01T10:00:00Z"}}); !strings.Contains(text, "Honestly ACME  Corp") || strings.Contains(text, "minute 0 ") || !strings.Contains(text, "Call c1: Pricing call (2026-12-01T10:00:00Z)") {
		t.Errorf("the text format of an aimed transcript:\n%s", text)
	}
}
