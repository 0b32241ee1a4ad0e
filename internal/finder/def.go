// Package finder runs finder tools: read-only composites that scan one of
// an integration's list tools, newest first, and answer the items that
// match the caller's words (an account, a deal, a person, a title) in a
// compact shape, saying what they covered and where to resume. The vendor's
// API has no such filter; the integration's data (finders.yaml) says which
// tool to scan and where each field lives in its items, so this package
// holds no vendor knowledge. Every upstream request goes through the Fetch
// the caller gives (the executor), which enforces filters, budgets and
// pacing.
package finder

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Def is one finder tool as an integration's finders.yaml defines it.
type Def struct {
	Name        string   `yaml:"name"`
	Title       string   `yaml:"title"`
	Description string   `yaml:"description"`
	Tags        []string `yaml:"tags"`
	Scan        Scan     `yaml:"scan"`
	// Each, if set, makes the unit of matching the values it picks inside
	// every scanned item (e.g. the CRM objects linked to a call) instead
	// of the item; Key then names the unit's identity, so each unit is
	// answered once, from its newest item.
	Each   string  `yaml:"each"`
	Key    string  `yaml:"key"`
	Params []Param `yaml:"params"`
	Fields []Field `yaml:"fields"`
	// Limit is the default number of matches per answer (at most 100).
	Limit int `yaml:"limit"`

	File string `yaml:"-"` // where it was defined, for errors

	each, key path
	fields    []field
}

// Scan says which list tool is scanned and how.
type Scan struct {
	Tool      string         `yaml:"tool"`
	Arguments map[string]any `yaml:"arguments"`
	// From and To name the scanned tool's arguments that bound a date
	// range (start inclusive, end exclusive); Time is the path of an
	// item's date-time. Without them the whole listing is read in the
	// vendor's order.
	From string `yaml:"from"`
	To   string `yaml:"to"`
	Time string `yaml:"time"`
	// The range is read backwards in windows of WindowDays, each window
	// whole and sorted newest first; DefaultDays is the range when the
	// caller gives none, MaxDays the widest allowed.
	WindowDays  int `yaml:"window_days"`
	DefaultDays int `yaml:"default_days"`
	MaxDays     int `yaml:"max_days"`
	// MaxRequests bounds the upstream requests of one answer; a scan that
	// needs more stops and answers a cursor to resume.
	MaxRequests int `yaml:"max_requests"`
	// IDs names the scanned tool's argument that takes item ids: the
	// finder then takes the caller's ids (ArgIDs, required) and answers
	// those items, and its params are optional filters.
	IDs    string `yaml:"ids"`
	MaxIDs int    `yaml:"max_ids"`

	time path
}

// Dated reports whether the scan reads a date range.
func (s *Scan) Dated() bool { return s.From != "" }

// Param is one of the finder's own arguments: words matched against the
// values its paths pick from each unit.
type Param struct {
	Name        string   `yaml:"name"`
	Description string   `yaml:"description"`
	Paths       []string `yaml:"paths"`
	// Match is how: "contains" (default; case-insensitive, spacing
	// ignored), "words" (every word is in one of the values: free text
	// over several fields), "equals" (case-insensitive), "person"
	// (contains, or an email address or an email domain such as
	// acme.com), or "boolean".
	Match string   `yaml:"match"`
	Enum  []string `yaml:"enum"`
	// Ref makes the param match the unit that this unit refers to (a
	// user's manager): Ref.Path picks the reference, Ref.Key the referred
	// unit's identity; the param's paths then apply to the referred unit.
	// Only for scans of a whole listing.
	Ref *Ref `yaml:"ref"`

	paths   []path
	refPath path
	refKey  path
}

// Ref is a reference from one unit to another of the same listing.
type Ref struct {
	Path string `yaml:"path"`
	Key  string `yaml:"key"`
}

// Field is one field of a match in the answer: a scalar picked by Path
// (a leading "^" reads the enclosing item rather than the unit; with All,
// every scalar it picks, as a list), or with List a list of objects made
// of their own fields. MaxChars and MaxItems keep long texts and lists
// short: a match is a summary, the full item is a tool call away.
type Field struct {
	Name     string  `yaml:"name"`
	Path     string  `yaml:"path"`
	All      bool    `yaml:"all"`
	List     string  `yaml:"list"`
	Fields   []Field `yaml:"fields"`
	MaxChars int     `yaml:"max_chars"`
	MaxItems int     `yaml:"max_items"`
}

type field struct {
	name     string
	path     path
	outer    bool // read from the enclosing item
	all      bool
	list     *path
	fields   []field
	maxChars int
	maxItems int
}

// Match kinds.
const (
	MatchContains = "contains"
	MatchWords    = "words"
	MatchEquals   = "equals"
	MatchPerson   = "person"
	MatchBoolean  = "boolean"
)

// Arguments every finder takes besides its params.
const (
	ArgFrom   = "from"
	ArgTo     = "to"
	ArgLimit  = "limit"
	ArgCursor = "next_cursor"
	ArgIDs    = "ids"
)

// Prepare checks the definition and parses its paths; hasTool reports
// whether the integration documents a tool (the scanned one must exist).
func (d *Def) Prepare(hasTool func(string) bool) error {
	at := func(format string, a ...any) error {
		return fmt.Errorf("%s: finder %q: %s", d.File, d.Name, fmt.Sprintf(format, a...))
	}
	if d.Name == "" || strings.TrimSpace(d.Description) == "" || d.Title == "" || len(d.Tags) == 0 {
		return at("name, title, description and tags are required")
	}
	if !hasTool(d.Scan.Tool) {
		return at("scan tool %q is not documented", d.Scan.Tool)
	}
	if err := d.Scan.prepare(); err != nil {
		return at("%v", err)
	}
	if d.Limit == 0 {
		d.Limit = 20
	}
	if d.Limit < 1 || d.Limit > 100 {
		return at("limit must be 1 to 100")
	}
	var err error
	if d.Each != "" {
		if d.each, err = parsePath(d.Each); err != nil {
			return at("each: %v", err)
		}
		if d.Key == "" {
			return at("each needs key")
		}
		if d.key, err = parsePath(d.Key); err != nil {
			return at("key: %v", err)
		}
	}
	if len(d.Params) == 0 && d.Scan.IDs == "" {
		return at("params are required")
	}
	seen := map[string]bool{ArgFrom: d.Scan.Dated(), ArgTo: d.Scan.Dated(), ArgLimit: true, ArgCursor: true, ArgIDs: d.Scan.IDs != ""}
	for i := range d.Params {
		p := &d.Params[i]
		if seen[p.Name] || p.Name == "" {
			return at("param %q: missing or used twice", p.Name)
		}
		seen[p.Name] = true
		if err := p.prepare(d.Scan.Dated()); err != nil {
			return at("param %q: %v", p.Name, err)
		}
	}
	if len(d.Fields) == 0 {
		return at("fields are required")
	}
	if d.fields, err = prepareFields(d.Fields); err != nil {
		return at("%v", err)
	}
	return nil
}

func (s *Scan) prepare() error {
	if (s.From == "") != (s.To == "") || (s.From == "") != (s.Time == "") {
		return fmt.Errorf("scan: from, to and time go together")
	}
	if s.MaxRequests == 0 {
		s.MaxRequests = 20
	}
	if s.MaxRequests < 1 || s.MaxRequests > 100 {
		return fmt.Errorf("scan: max_requests must be 1 to 100")
	}
	if s.IDs != "" {
		if s.Dated() {
			return fmt.Errorf("scan: ids and a date range do not go together")
		}
		if s.MaxIDs == 0 {
			s.MaxIDs = 20
		}
	}
	if !s.Dated() {
		return nil
	}
	if s.WindowDays < 1 || s.DefaultDays < 1 || s.MaxDays < s.DefaultDays {
		return fmt.Errorf("scan: window_days and default_days must be positive, max_days at least default_days")
	}
	var err error
	s.time, err = parsePath(s.Time)
	return err
}

func (p *Param) prepare(dated bool) error {
	switch p.Match {
	case "":
		p.Match = MatchContains
	case MatchContains, MatchWords, MatchEquals, MatchPerson, MatchBoolean:
	default:
		return fmt.Errorf("match %q is not contains, words, equals, person or boolean", p.Match)
	}
	if strings.TrimSpace(p.Description) == "" || len(p.Paths) == 0 {
		return fmt.Errorf("description and paths are required")
	}
	p.paths = nil
	for _, t := range p.Paths {
		pp, err := parsePath(t)
		if err != nil {
			return err
		}
		p.paths = append(p.paths, pp)
	}
	if p.Ref != nil {
		if dated {
			return fmt.Errorf("ref needs a scan of the whole listing")
		}
		var err error
		if p.refPath, err = parsePath(p.Ref.Path); err != nil {
			return err
		}
		if p.refKey, err = parsePath(p.Ref.Key); err != nil {
			return err
		}
	}
	return nil
}

func prepareFields(in []Field) ([]field, error) {
	var out []field
	names := map[string]bool{}
	for _, f := range in {
		if f.Name == "" || names[f.Name] || (f.Path == "") == (f.List == "") {
			return nil, fmt.Errorf("field %q: a unique name and one of path or list", f.Name)
		}
		names[f.Name] = true
		if f.MaxChars < 0 || f.MaxItems < 0 || (f.All && f.List != "") {
			return nil, fmt.Errorf("field %q: max_chars and max_items are positive; all goes with path", f.Name)
		}
		pf := field{name: f.Name, all: f.All, maxChars: f.MaxChars, maxItems: f.MaxItems}
		var err error
		if f.List != "" {
			lp, err := parsePath(f.List)
			if err != nil {
				return nil, err
			}
			pf.list = &lp
			if pf.fields, err = prepareFields(f.Fields); err != nil || len(pf.fields) == 0 {
				return nil, fmt.Errorf("field %q: a list needs fields: %v", f.Name, err)
			}
		} else {
			text := f.Path
			pf.outer = strings.HasPrefix(text, "^")
			if pf.path, err = parsePath(strings.TrimPrefix(text, "^")); err != nil {
				return nil, err
			}
		}
		out = append(out, pf)
	}
	return out, nil
}

// InputSchema is the finder tool's JSON Schema.
func (d *Def) InputSchema() json.RawMessage {
	props := map[string]any{}
	for _, p := range d.Params {
		s := map[string]any{"type": "string", "description": p.Description}
		if p.Match == MatchBoolean {
			s["type"] = "boolean"
		}
		if len(p.Enum) > 0 {
			s["enum"] = slices.Clone(p.Enum)
		}
		props[p.Name] = s
	}
	if d.Scan.Dated() {
		props[ArgFrom] = map[string]any{"type": "string", "description": fmt.Sprintf("Date or date-time; default %d days before to.", d.Scan.DefaultDays)}
		props[ArgTo] = map[string]any{"type": "string", "description": "Exclusive; default now."}
	}
	var required []string
	if d.Scan.IDs != "" {
		props[ArgIDs] = map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "minItems": 1, "maxItems": d.Scan.MaxIDs}
		required = append(required, ArgIDs)
	} else {
		props[ArgLimit] = map[string]any{"type": "integer", "minimum": 1, "maximum": 100, "description": fmt.Sprintf("Default %d.", d.Limit)}
	}
	// Paging is explained once, in the server instructions.
	props[ArgCursor] = map[string]any{"type": "string"}
	schema := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if required != nil {
		schema["required"] = required
	}
	b, _ := json.Marshal(schema)
	return b
}

// FileName is where an integration keeps its finders, beside its records.
const FileName = "finders.yaml"

// Load reads and prepares an integration's finders (none when the file is
// absent); hasTool reports whether a tool is documented.
func Load(fsys fs.FS, hasTool func(string) bool) ([]*Def, error) {
	b, err := fs.ReadFile(fsys, FileName)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defs, err := Decode(b)
	if err != nil {
		return nil, err
	}
	for _, d := range defs {
		if err := d.Prepare(hasTool); err != nil {
			return nil, err
		}
	}
	return defs, nil
}

// Decode reads finders.yaml strictly (unknown keys refused); Prepare still
// has to check each definition against the integration's tools.
func Decode(b []byte) ([]*Def, error) {
	var defs []*Def
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&defs); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", FileName, err)
	}
	names := map[string]bool{}
	for _, d := range defs {
		d.File = FileName
		if names[d.Name] {
			return nil, fmt.Errorf("%s: finder %q defined twice", FileName, d.Name)
		}
		names[d.Name] = true
	}
	return defs, nil
}
