package render

import (
	"fmt"
	"strings"
)

// Aim narrows transcripts to what an agent asked for, so that "the final
// ten minutes" or "every mention of Acme" costs what it says rather than
// the whole call. It works on the vendor's answer, before any format.
type Aim struct {
	// LastMinutes keeps the final minutes of each call (0: all), counted
	// back from the end of its last sentence.
	LastMinutes float64
	// FromSecond and ToSecond keep a window from the call's start
	// (ToSecond 0: to the end).
	FromSecond, ToSecond float64
	// Side keeps one side's turns: "internal", "external" or "" / "all".
	Side string
	// Mentions keeps the turns that mention any of these words or
	// phrases (case-insensitive), with one turn of context either side.
	Mentions []string
}

// Sides of a call.
const (
	SideAll      = "all"
	SideInternal = "internal"
	SideExternal = "external"
)

// Check says what is wrong with an Aim, or nil.
func (a Aim) Check() error {
	switch {
	case a.LastMinutes < 0 || a.FromSecond < 0 || a.ToSecond < 0:
		return fmt.Errorf("last_minutes, from_second and to_second must not be negative")
	case a.LastMinutes > 0 && (a.FromSecond > 0 || a.ToSecond > 0):
		return fmt.Errorf("give last_minutes or from_second/to_second, not both")
	case a.ToSecond > 0 && a.ToSecond <= a.FromSecond:
		return fmt.Errorf("to_second must be after from_second")
	}
	switch strings.ToLower(a.Side) {
	case "", SideAll, SideInternal, SideExternal:
	default:
		return fmt.Errorf("speakers must be internal, external or all")
	}
	for _, m := range a.Mentions {
		if strings.TrimSpace(m) == "" {
			return fmt.Errorf("mentions must be non-empty words or phrases")
		}
	}
	return nil
}

// Zero reports whether the Aim keeps everything.
func (a Aim) Zero() bool {
	side := strings.ToLower(a.Side)
	return a.LastMinutes == 0 && a.FromSecond == 0 && a.ToSecond == 0 && (side == "" || side == SideAll) && len(a.Mentions) == 0
}

// NeedsSpeakers reports whether Apply needs to know who is on which side.
func (a Aim) NeedsSpeakers() bool {
	side := strings.ToLower(a.Side)
	return side == SideInternal || side == SideExternal
}

// Apply returns the transcripts ({callId, transcript:[{speakerId, topic,
// sentences:[{start, end, text}]}]}, times in milliseconds) narrowed by a.
// The input is not changed. A call with nothing left keeps its callId and
// an empty transcript, so the answer still says it was looked at.
func (a Aim) Apply(transcripts []any, speakers Speakers) []any {
	if a.Zero() {
		return transcripts
	}
	out := make([]any, 0, len(transcripts))
	for _, t := range transcripts {
		tm, ok := t.(map[string]any)
		if !ok {
			continue
		}
		turns := a.window(Items(tm["transcript"]))
		turns = a.side(turns, speakers[String(tm["callId"])])
		turns = a.mentions(turns)
		copied := make(map[string]any, len(tm))
		for k, v := range tm {
			copied[k] = v
		}
		copied["transcript"] = turns
		out = append(out, copied)
	}
	return out
}

// window keeps the sentences that start inside the time window.
func (a Aim) window(turns []any) []any {
	if a.LastMinutes == 0 && a.FromSecond == 0 && a.ToSecond == 0 {
		return turns
	}
	from, to := int64(a.FromSecond*1000), int64(a.ToSecond*1000)
	if a.LastMinutes > 0 {
		var end int64
		for _, turn := range turns {
			for _, s := range sentences(turn) {
				end = max(end, millis(s["end"]), millis(s["start"]))
			}
		}
		from, to = end-int64(a.LastMinutes*60_000), 0
	}
	var out []any
	for _, turn := range turns {
		var kept []any
		for _, s := range sentences(turn) {
			start := millis(s["start"])
			if start >= from && (to == 0 || start < to) {
				kept = append(kept, s)
			}
		}
		if len(kept) > 0 {
			out = append(out, withSentences(turn, kept))
		}
	}
	return out
}

func (a Aim) side(turns []any, people map[string]Person) []any {
	side := strings.ToLower(a.Side)
	if side != SideInternal && side != SideExternal {
		return turns
	}
	var out []any
	for _, turn := range turns {
		tm, _ := turn.(map[string]any)
		if strings.EqualFold(people[String(tm["speakerId"])].Affiliation, side) {
			out = append(out, turn)
		}
	}
	return out
}

// mentions keeps the turns that mention any phrase, and their neighbours.
func (a Aim) mentions(turns []any) []any {
	if len(a.Mentions) == 0 {
		return turns
	}
	phrases := make([]string, len(a.Mentions))
	for i, m := range a.Mentions {
		phrases[i] = normalize(m)
	}
	keep := make([]bool, len(turns))
	for i, turn := range turns {
		var words []string
		for _, s := range sentences(turn) {
			words = append(words, String(s["text"]))
		}
		text := normalize(strings.Join(words, " "))
		for _, p := range phrases {
			if strings.Contains(text, p) {
				for j := max(0, i-1); j <= min(len(turns)-1, i+1); j++ {
					keep[j] = true
				}
				break
			}
		}
	}
	var out []any
	for i, turn := range turns {
		if keep[i] {
			out = append(out, turn)
		}
	}
	return out
}

func normalize(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

func sentences(turn any) []map[string]any {
	tm, _ := turn.(map[string]any)
	var out []map[string]any
	for _, s := range Items(tm["sentences"]) {
		if sm, ok := s.(map[string]any); ok {
			out = append(out, sm)
		}
	}
	return out
}

func withSentences(turn any, kept []any) map[string]any {
	tm, _ := turn.(map[string]any)
	c := make(map[string]any, len(tm))
	for k, v := range tm {
		c[k] = v
	}
	c["sentences"] = kept
	return c
}
