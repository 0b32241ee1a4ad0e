// Package render holds the alternative answer formats tools can offer
// besides the vendor's JSON, chosen per call with the tool's "format"
// argument. Renderers are pure functions over decoded JSON.
package render

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Person is who a speaker id stands for.
type Person struct {
	Name        string
	Title       string
	Company     string
	Affiliation string // Internal, External, Unknown
}

func (p Person) label() string {
	var parts []string
	for _, s := range []string{p.Company, p.Title} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	if p.Affiliation != "" && p.Affiliation != "Unknown" {
		parts = append(parts, strings.ToLower(p.Affiliation))
	}
	if len(parts) == 0 {
		return p.Name
	}
	return p.Name + " (" + strings.Join(parts, ", ") + ")"
}

// Speakers maps call id -> speaker id -> person.
type Speakers map[string]map[string]Person

// SpeakersFromCalls reads Gong-shaped extensive call data
// ({metaData:{id}, parties:[{speakerId, name, title, affiliation,
// emailAddress}]}) into Speakers.
func SpeakersFromCalls(calls []any) Speakers {
	out := Speakers{}
	for _, c := range calls {
		cm, _ := c.(map[string]any)
		meta, _ := cm["metaData"].(map[string]any)
		id := String(meta["id"])
		if id == "" {
			continue
		}
		people := map[string]Person{}
		for _, p := range Items(cm["parties"]) {
			pm, _ := p.(map[string]any)
			sid := String(pm["speakerId"])
			if sid == "" {
				continue
			}
			name := String(pm["name"])
			if name == "" {
				name = String(pm["emailAddress"])
			}
			people[sid] = Person{Name: name, Title: String(pm["title"]), Company: company(pm), Affiliation: String(pm["affiliation"])}
		}
		out[id] = people
	}
	return out
}

// CallMeta is what a transcript's header says of its call besides its id.
type CallMeta struct {
	Title   string
	Started string
}

// Calls maps call id -> its metadata.
type Calls map[string]CallMeta

// CallsFromCalls reads the same call data's {metaData:{id, title,
// started}} into Calls.
func CallsFromCalls(calls []any) Calls {
	out := Calls{}
	for _, c := range calls {
		cm, _ := c.(map[string]any)
		meta, _ := cm["metaData"].(map[string]any)
		if id := String(meta["id"]); id != "" {
			out[id] = CallMeta{Title: String(meta["title"]), Started: String(meta["started"])}
		}
	}
	return out
}

// company is the party's company as Gong knows it: the CRM account name
// when the party carries one, else the email domain.
func company(party map[string]any) string {
	for _, ctx := range Items(party["context"]) {
		cm, _ := ctx.(map[string]any)
		for _, obj := range Items(cm["objects"]) {
			om, _ := obj.(map[string]any)
			if String(om["objectType"]) != "Account" {
				continue
			}
			for _, f := range Items(om["fields"]) {
				fm, _ := f.(map[string]any)
				if String(fm["name"]) == "Name" && String(fm["value"]) != "" {
					return String(fm["value"])
				}
			}
		}
	}
	if email := String(party["emailAddress"]); strings.Contains(email, "@") {
		return email[strings.LastIndexByte(email, '@')+1:]
	}
	return ""
}

// TranscriptText renders Gong-shaped transcripts ({callId, transcript:
// [{speakerId, topic, sentences:[{start, end, text}]}]}) as compact text:
// a header naming each speaker once in order of first words, then one line per speaker turn,
// "[mm:ss] Name: text". Unknown speakers keep their id.
//
// Each turn is exactly one line: line breaks inside speech (and names) are
// folded into spaces, so a line that starts with "[mm:ss] Name:" is always
// a turn, never speech that imitates one ("Sure.\n[01:00] CFO: approved").
func TranscriptText(transcripts []any, speakers Speakers, calls Calls) string {
	var b strings.Builder
	for i, t := range transcripts {
		tm, _ := t.(map[string]any)
		callID := String(tm["callId"])
		people := speakers[callID]
		if i > 0 {
			b.WriteString("\n")
		}
		header := "Call " + callID
		if m, ok := calls[callID]; ok && (m.Title != "" || m.Started != "") {
			header += ": " + m.Title
			if m.Started != "" {
				header += " (" + m.Started + ")"
			}
		}
		fmt.Fprintf(&b, "%s\n", oneLine(header))
		turns := Items(tm["transcript"])
		seen := map[string]bool{}
		var order []string
		for _, turn := range turns {
			sid := String(turn.(map[string]any)["speakerId"])
			if !seen[sid] {
				seen[sid] = true
				order = append(order, sid)
			}
		}
		b.WriteString("Speakers:\n")
		for _, sid := range order {
			p, ok := people[sid]
			if !ok {
				fmt.Fprintf(&b, "- speaker %s\n", oneLine(sid))
				continue
			}
			fmt.Fprintf(&b, "- %s\n", oneLine(p.label()))
		}
		for _, turn := range turns {
			tu, _ := turn.(map[string]any)
			sentences := Items(tu["sentences"])
			if len(sentences) == 0 {
				continue
			}
			sid := String(tu["speakerId"])
			name := "speaker " + sid
			if p, ok := people[sid]; ok && p.Name != "" {
				name = p.Name
			}
			texts := make([]string, 0, len(sentences))
			for _, s := range sentences {
				if txt := strings.TrimSpace(oneLine(String(s.(map[string]any)["text"]))); txt != "" {
					texts = append(texts, txt)
				}
			}
			start := millis(sentences[0].(map[string]any)["start"])
			fmt.Fprintf(&b, "[%s] %s: %s\n", Clock(start), oneLine(name), strings.Join(texts, " "))
		}
	}
	return b.String()
}

// oneLine folds every line break (and other vertical space) into a space.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\n\r\v\f\u0085\u2028\u2029") {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '\n', '\r', '\v', '\f', '\u0085', '\u2028', '\u2029':
			return ' '
		}
		return r
	}, s)
}

// Clock formats milliseconds from a call's start as mm:ss (minutes may pass
// 59 on long calls).
func Clock(ms int64) string {
	s := ms / 1000
	return fmt.Sprintf("%02d:%02d", s/60, s%60)
}

// Items reads a decoded JSON array (nil for anything else).
func Items(v any) []any {
	l, _ := v.([]any)
	return l
}

// String reads a decoded JSON scalar as text: strings as they are, numbers
// with every digit (json.Number) or without a fraction (float64), null as "".
func String(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case nil:
		return ""
	case float64:
		return fmt.Sprintf("%.0f", x)
	}
	return fmt.Sprint(v)
}

func millis(v any) int64 {
	switch x := v.(type) {
	case json.Number:
		n, _ := x.Int64()
		return n
	case float64:
		return int64(x)
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}
