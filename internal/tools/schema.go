package tools

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/patchbay-dev/patchbay/internal/integration"
)

// bodySchema is the operation's JSON request body schema, if any.
func bodySchema(op *integration.Operation) *openapi3.SchemaRef {
	rb := op.Op.RequestBody
	if rb == nil || rb.Value == nil {
		return nil
	}
	mt := rb.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return nil
	}
	return mt.Schema
}

// upstreamSchema finds the schema of the upstream field a parameter maps to,
// compacted for an LLM (see compact). A field the document does not
// describe (Gong documents some query parameters only in prose) needs a
// schema in the record.
func upstreamSchema(op *integration.Operation, p integration.Param) (map[string]any, error) {
	s, err := rawUpstreamSchema(op, p)
	if err != nil {
		return nil, err
	}
	compact(s, 0, map[string]bool{}, nameWords(ownNames(op), integration.Base(p.UpstreamField())))
	return s, nil
}

// ownNames holds the words of the integration's own name: a vendor's
// document calls everything its own ("The unique Gong id of the call"),
// which says nothing a tool of that integration does not.
func ownNames(op *integration.Operation) map[string]bool {
	names := map[string]bool{}
	if in := op.Integration; in != nil {
		for _, n := range []string{in.Name, in.Title} {
			for _, w := range words(n) {
				names[w] = true
			}
		}
	}
	return names
}

func rawUpstreamSchema(op *integration.Operation, p integration.Param) (map[string]any, error) {
	switch p.In {
	case "path", "query":
		for _, pr := range op.Op.Parameters {
			if pr.Value != nil && pr.Value.In == p.In && pr.Value.Name == p.Field {
				s := integration.SchemaJSON(pr.Value.Schema)
				if d := integration.CleanDescription(pr.Value.Description); d != "" {
					s["description"] = integration.Shorten(d, 300)
				}
				return s, nil
			}
		}
	case "file":
		// Described by the record: the document only says "binary".
		return map[string]any{}, nil
	case "body":
		body := bodySchema(op)
		if body == nil {
			break
		}
		if p.Field == "." {
			return integration.SchemaJSON(body), nil
		}
		ref := body
		for _, part := range strings.Split(p.Field, ".") {
			if ref == nil || ref.Value == nil {
				break
			}
			ref = ref.Value.Properties[part]
		}
		if ref != nil && ref.Value != nil {
			return integration.SchemaJSON(ref), nil
		}
	}
	if len(p.Schema) > 0 {
		return map[string]any{}, nil
	}
	return nil, fmt.Errorf("%s %q is not in the OpenAPI document; give it a schema", p.In, p.Field)
}

// marshalCompact encodes v without HTML escaping; map keys come out sorted,
// so the bytes are stable.
func marshalCompact(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// compileSchema compiles a tool's whole input schema for Validate, adding
// what the list leaves out: no argument the tool does not have
// (additionalProperties: false). Formats are asserted, since records say
// "format": "date" or "date-time" instead of a pattern (RFC 3339: a
// date-time carries its offset).
func compileSchema(raw json.RawMessage) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	root, ok := doc.(map[string]any)
	if !ok {
		return nil, errors.New("the input schema is not an object")
	}
	root["additionalProperties"] = false
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("tool.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("tool.json")
}

// ValidationError explains why arguments do not fit a tool's input schema.
type ValidationError struct{ Problems []string }

func (e *ValidationError) Error() string {
	return "invalid arguments: " + strings.Join(e.Problems, "; ")
}

// Validate checks decoded arguments (numbers as json.Number) against the
// tool's input schema.
func (t *Tool) Validate(args map[string]any) error {
	if args == nil {
		args = map[string]any{}
	}
	err := t.schema.Validate(args)
	if err == nil {
		return t.requireOneOf(args)
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return &ValidationError{Problems: []string{err.Error()}}
	}
	var problems []string
	collect(ve, &problems)
	if len(problems) == 0 {
		problems = []string{ve.Error()}
	}
	return &ValidationError{Problems: problems}
}

// requireOneOf refuses a call that passes none of the arguments the
// record requires one of: empty arguments would read the whole history.
func (t *Tool) requireOneOf(args map[string]any) error {
	if t.Record == nil || len(t.Record.RequireOneOf) == 0 || t.Composite != nil || t.Finder != nil {
		return nil
	}
	for _, name := range t.Record.RequireOneOf {
		if _, ok := args[name]; ok {
			return nil
		}
	}
	return &ValidationError{Problems: []string{fmt.Sprintf("pass at least one of %s: without them this tool would read the whole history", strings.Join(t.Record.RequireOneOf, ", "))}}
}

// collect flattens the validator's error tree into one line per leaf.
func collect(ve *jsonschema.ValidationError, out *[]string) {
	if len(ve.Causes) == 0 {
		loc := "/" + strings.Join(ve.InstanceLocation, "/")
		msg := ve.ErrorKind.LocalizedString(printer)
		if loc == "/" {
			*out = append(*out, msg)
		} else {
			*out = append(*out, fmt.Sprintf("%s: %s", strings.TrimPrefix(loc, "/"), msg))
		}
		return
	}
	for _, c := range ve.Causes {
		collect(c, out)
	}
}

var printer = message.NewPrinter(language.English)

// The whole tool list of an integration is read by the model on every
// conversation, so nested input schemas are cut down to what is needed to
// fill them in: the argument itself keeps its full description, nested
// properties keep a first sentence, deep ones only their names and types.
const (
	// nestedDescMax is the longest first sentence a nested property keeps,
	// in runes; a longer one is dropped rather than cut.
	nestedDescMax = 80
	// describedDepth is the deepest property level (1 = a property of the
	// argument) that keeps a description.
	describedDepth = 1
	// wideObject is the number of properties above which an object's
	// boolean properties keep only their names: a wide set of flags
	// (Gong's permission profiles have 45) explains itself by name, and
	// its prose would cost more than everything else in the tool.
	wideObject = 16
)

// compact trims a tool argument's schema in place. depth counts property
// levels below the argument (array items do not add one); seen holds the
// nested descriptions already shown, so a repeated sub-structure explains
// itself once; names holds the words of the property's own and enclosing
// names, so that "The name of the person, if available." on a person's
// name goes. Properties Gong marks as deprecated or "intended for future
// use" are dropped: they are not inputs anyone should fill in.
func compact(s map[string]any, depth int, seen, names map[string]bool) {
	if d, ok := s["description"].(string); ok {
		names = enumWords(names, s)
		switch {
		case restates(d, names):
			delete(s, "description")
		case depth == 0:
			// the argument itself keeps its whole text
		default:
			// A sentence cut short says less than it costs: "The audio
			// channel corresponding to the company team member (rep) used
			// when the…" goes whole or not at all.
			d = firstSentence(d)
			if depth > describedDepth || len([]rune(d)) > nestedDescMax || seen[d] || restates(d, names) {
				delete(s, "description")
			} else {
				seen[d] = true
				s["description"] = d
			}
		}
	}
	if f, ok := s["format"].(string); ok && (f == "float" || f == "double") {
		delete(s, "format") // says nothing a JSON number does not
	}
	if items, ok := s["items"].(map[string]any); ok {
		// One text per array: Gong often repeats it on the items, or puts
		// it only there.
		if d, ok := items["description"]; ok {
			if _, described := s["description"]; !described && depth == 0 {
				s["description"] = d
			}
			delete(items, "description")
		}
		compact(items, depth, seen, names)
	}
	if props, ok := s["properties"].(map[string]any); ok {
		wide := len(props) > wideObject
		for _, name := range sortedKeys(props) {
			p, _ := props[name].(map[string]any)
			if notAnInput(p) {
				delete(props, name)
				dropRequired(s, name)
				continue
			}
			if wide && p["type"] == "boolean" {
				delete(p, "description")
			}
			compact(p, depth+1, seen, nameWords(names, name))
		}
	}
	for _, k := range []string{"oneOf", "anyOf"} {
		if alts, ok := s[k].([]any); ok {
			for _, a := range alts {
				if m, ok := a.(map[string]any); ok {
					compact(m, depth, seen, names)
				}
			}
		}
	}
}

// fillerWords say nothing a property's name and place do not: articles
// and the like, and the generic nouns Gong's descriptions refer back with.
var fillerWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an the of if available this that for in on to is are be by its it
		with and or as from within when person party user entity object item field value id identifier
		list unique address array numeric external system partner you want new update provided`) {
		fillerWords[w] = true
	}
}

// restates reports whether a description only repeats the words of the
// property's name and of its enclosing names.
func restates(desc string, names map[string]bool) bool {
	for _, w := range words(desc) {
		if !fillerWords[w] && !names[w] {
			return false
		}
	}
	return true
}

// enumWords adds the words of s's enum values (or its items') to a copy of
// names: "The object type: ACCOUNT or DEAL" says no more than its enum.
func enumWords(names map[string]bool, s map[string]any) map[string]bool {
	enum, _ := s["enum"].([]any)
	if items, ok := s["items"].(map[string]any); ok && enum == nil {
		enum, _ = items["enum"].([]any)
	}
	for _, v := range enum {
		if str, ok := v.(string); ok {
			if str == strings.ToUpper(str) {
				str = strings.ToLower(str) // ACCOUNT, LAST_7DAYS: not camelCase
			}
			names = nameWords(names, str)
		}
	}
	return names
}

// nameWords adds the words of a camelCase, snake_case or kebab-case name
// to a copy of names.
func nameWords(names map[string]bool, name string) map[string]bool {
	out := make(map[string]bool, len(names)+4)
	for w := range names {
		out[w] = true
	}
	var b strings.Builder
	for i, r := range name {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	for _, w := range words(b.String()) {
		out[w] = true
	}
	return out
}

// words splits text into lower-case words, singular where a plain s makes
// the plural, so that "parties" of a name and "party" of a text differ
// only where English does.
func words(s string) []string {
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	f = slices.DeleteFunc(f, func(w string) bool { return len(w) == 1 }) // the s of "vendor's"
	for i, w := range f {
		if len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") {
			f[i] = strings.TrimSuffix(w, "s")
		}
	}
	return f
}

// notAnInput reports a property Gong documents as not (or no longer) used.
func notAnInput(p map[string]any) bool {
	d, _ := p["description"].(string)
	d = strings.ToLower(strings.TrimSpace(d))
	return strings.HasPrefix(d, "deprecated") || strings.Contains(d, "intended for future use")
}

func dropRequired(s map[string]any, name string) {
	req, ok := s["required"].([]any)
	if !ok {
		return
	}
	out := req[:0:0]
	for _, r := range req {
		if r != name {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		delete(s, "required")
	} else {
		s["required"] = out
	}
}

// firstSentence returns the text up to the first sentence end or line
// break, not counting the dots of "e.g." and "i.e.".
func firstSentence(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i > 0 {
		s = strings.TrimSpace(s[:i])
	}
	for i := 0; i < len(s)-1; i++ {
		if s[i] != '.' || s[i+1] != ' ' {
			continue
		}
		word := s[strings.LastIndexByte(s[:i], ' ')+1 : i+1]
		switch strings.ToLower(word) {
		case "e.g.", "i.e.", "(e.g.", "(i.e.", "etc.":
			continue
		}
		return s[:i+1]
	}
	return s
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
