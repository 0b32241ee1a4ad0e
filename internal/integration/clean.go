package integration

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"html"
	"regexp"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

type hasher struct{ h hash.Hash }

func newHasher() *hasher         { return &hasher{sha256.New()} }
func (h *hasher) Write(b []byte) { h.h.Write(b) }
func (h *hasher) sum() string    { return hex.EncodeToString(h.h.Sum(nil))[:16] }

var (
	styleRe   = regexp.MustCompile(`(?is)<style[^>]*>.*?</style>`)
	scriptRe  = regexp.MustCompile(`(?is)<script[^>]*>.*?</script>`)
	cssRuleRe = regexp.MustCompile(`(?s)[.#]?[A-Za-z][\w\-. ,:#>]*\{[^{}]*\}`)
	brRe      = regexp.MustCompile(`(?i)<\s*(br|/p|/li|/div|/h\d)\s*/?>`)
	liRe      = regexp.MustCompile(`(?i)<\s*li[^>]*>`)
	tagRe     = regexp.MustCompile(`<[^>]+>`)
	// Gong words the scope sentence several ways; scopes are shown apart.
	scopeSent = regexp.MustCompile(`(?i)\s*(?:When accessed (?:through|using) a bearer token[^.']*(?:'[^']*'[^.']*)+\.|Required authorization scopes?:\s*'[^']*'\.?)`)
	spaceRe   = regexp.MustCompile(`[ \t\f\v]+`)
	blankRe   = regexp.MustCompile(`\n\s*\n+`)
)

// CleanDescription turns Gong's description prose into plain text fit for
// an LLM: no HTML, no embedded CSS, no scope boilerplate (scopes are shown
// separately), collapsed whitespace.
func CleanDescription(s string) string {
	s = styleRe.ReplaceAllString(s, " ")
	s = scriptRe.ReplaceAllString(s, " ")
	s = brRe.ReplaceAllString(s, "\n")
	s = liRe.ReplaceAllString(s, "\n- ")
	s = tagRe.ReplaceAllString(s, " ")
	s = cssRuleRe.ReplaceAllStringFunc(s, func(m string) string {
		// Only drop things that look like CSS rules, not prose with braces
		// such as "/v2/calls/{id}".
		if strings.Contains(m, ":") && strings.Contains(m, ";") {
			return " "
		}
		return m
	})
	s = html.UnescapeString(s)
	s = scopeSent.ReplaceAllString(s, "")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(spaceRe.ReplaceAllString(l, " "))
	}
	s = strings.Join(lines, "\n")
	s = blankRe.ReplaceAllString(s, "\n\n")
	return strings.TrimSpace(s)
}

// Shorten cuts text to at most max runes at a sentence or word boundary.
func Shorten(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	cut := string(r[:max])
	if i := strings.LastIndex(cut, ". "); i > max/2 {
		return cut[:i+1]
	}
	if i := strings.LastIndexByte(cut, ' '); i > 0 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:") + "…"
}

// maxSchemaDepth bounds recursion through self-referencing schemas.
const maxSchemaDepth = 8

// paramDescMax keeps nested property descriptions short: the whole toolset
// has a token budget.
const paramDescMax = 240

// SchemaJSON converts an OpenAPI schema into a plain JSON Schema value with
// $refs resolved and swagger noise (exampleSetFlag, types, examples, xml)
// dropped. Only keywords that constrain or explain a value are kept.
func SchemaJSON(ref *openapi3.SchemaRef) map[string]any {
	return schemaJSON(ref, 0, map[*openapi3.Schema]bool{})
}

func schemaJSON(ref *openapi3.SchemaRef, depth int, onPath map[*openapi3.Schema]bool) map[string]any {
	out := map[string]any{}
	if ref == nil || ref.Value == nil {
		return out
	}
	s := ref.Value
	if onPath[s] || depth > maxSchemaDepth {
		// A cycle or a very deep tree: leave it open rather than lie.
		if s.Type != nil && len(s.Type.Slice()) == 1 {
			out["type"] = s.Type.Slice()[0]
		}
		return out
	}
	onPath[s] = true
	defer delete(onPath, s)

	sub := func(r *openapi3.SchemaRef) map[string]any { return schemaJSON(r, depth+1, onPath) }
	valueKeywords(out, s)
	if s.Items != nil {
		items := sub(s.Items)
		if items["description"] == out["description"] {
			delete(items, "description") // Gong repeats the array's text on its items
		}
		out["items"] = items
	}
	if len(s.Properties) > 0 {
		objectKeywords(out, s, sub)
	}
	// Gong uses allOf only to wrap a single $ref; merge the parts.
	for _, part := range s.AllOf {
		for k, v := range sub(part) {
			if _, set := out[k]; !set {
				out[k] = v
			}
		}
	}
	if alts := alternatives(s.OneOf, sub); alts != nil {
		out["oneOf"] = alts
	}
	if alts := alternatives(s.AnyOf, sub); alts != nil {
		out["anyOf"] = alts
	}
	if s.Nullable {
		if t, ok := out["type"].(string); ok {
			out["type"] = []any{t, "null"}
		}
	}
	return out
}

// valueKeywords copies the keywords that constrain or explain a single
// value: type, description, format, enum, default and bounds.
func valueKeywords(out map[string]any, s *openapi3.Schema) {
	if s.Type != nil {
		if ts := s.Type.Slice(); len(ts) == 1 {
			out["type"] = ts[0]
		} else if len(ts) > 1 {
			out["type"] = ts
		}
	}
	if d := CleanDescription(s.Description); d != "" {
		out["description"] = Shorten(d, paramDescMax)
	}
	if s.Format != "" && s.Format != "int32" && s.Format != "int64" {
		out["format"] = s.Format
	}
	if len(s.Enum) > 0 {
		out["enum"] = repairEnum(s.Enum)
	}
	if s.Default != nil {
		out["default"] = s.Default
	}
	if s.Min != nil {
		out["minimum"] = *s.Min
	}
	if s.Max != nil {
		out["maximum"] = *s.Max
	}
	if s.MinItems > 0 {
		out["minItems"] = s.MinItems
	}
	if s.MaxItems != nil && *s.MaxItems < 1<<31-1 { // Gong writes MaxInt32 for "no limit"
		out["maxItems"] = *s.MaxItems
	}
	if s.Pattern != "" {
		out["pattern"] = s.Pattern
	}
}

// objectKeywords converts an object's properties, leaving out the ones the
// server sets, and its required names that are still there.
func objectKeywords(out map[string]any, s *openapi3.Schema, sub func(*openapi3.SchemaRef) map[string]any) {
	props := map[string]any{}
	for name, p := range s.Properties {
		if p != nil && p.Value != nil && p.Value.ReadOnly {
			continue // server-set fields are not inputs
		}
		props[name] = sub(p)
	}
	out["properties"] = props
	var req []any
	for _, r := range s.Required {
		if _, ok := props[r]; ok {
			req = append(req, r)
		}
	}
	if len(req) > 0 {
		out["required"] = req
	}
}

// alternatives converts the parts of a oneOf or anyOf; nil when there are
// none.
func alternatives(parts openapi3.SchemaRefs, sub func(*openapi3.SchemaRef) map[string]any) []any {
	var alts []any
	for _, part := range parts {
		alts = append(alts, sub(part))
	}
	return alts
}

// repairEnum undoes a Gong documentation slip: an enum that lists its
// values joined into one string ("all / own / none", "number, string,
// url, date") next to, or instead of, the values themselves. Left as is,
// the joined string is a valid value and the real ones may not be. Other
// values are kept in order.
func repairEnum(values []any) []any {
	have := map[string]bool{}
	for _, v := range values {
		if s, ok := v.(string); ok {
			have[s] = true
		}
	}
	var out []any
	add := func(v any) {
		for _, o := range out {
			if o == v {
				return
			}
		}
		out = append(out, v)
	}
	for _, v := range values {
		s, ok := v.(string)
		if !ok || !strings.ContainsAny(s, ",/") {
			add(v)
			continue
		}
		parts := enumSplit.Split(s, -1)
		joined, known := true, true
		for _, p := range parts {
			p = strings.TrimSpace(p)
			if !enumWord.MatchString(p) {
				joined = false
			}
			if !have[p] {
				known = false
			}
		}
		switch {
		case !joined:
			add(v)
		case known:
			// every part is listed on its own already: drop the join
		default:
			for _, p := range parts {
				add(strings.TrimSpace(p))
			}
		}
	}
	return out
}

var (
	enumSplit = regexp.MustCompile(`\s*[,/]\s*`)
	enumWord  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`)
)
