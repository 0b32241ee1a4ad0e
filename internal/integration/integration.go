// Package integration holds the declarative model of one upstream API: its
// OpenAPI document, its conventions (auth, base URL rules, errors, cursors)
// and the curated documentation records that decide which of its operations
// become tools. An integration is data; this package loads and validates it.
package integration

import (
	"github.com/patchbay-dev/patchbay/internal/finder"

	"bytes"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"
)

// Integration is one upstream API, loaded and validated.
type Integration struct {
	Name        string      `yaml:"name"`
	Title       string      `yaml:"title"`
	OpenAPIFile string      `yaml:"openapi"`
	BaseURL     BaseURLRule `yaml:"base_url"`
	Errors      ErrorRule   `yaml:"errors"`
	// EmptyResults lists upstream errors that mean "nothing matched" and are
	// answered as an empty list instead (Gong's "No calls found" 404).
	EmptyResults []EmptyResult `yaml:"empty_results"`
	OAuth        *OAuthRule    `yaml:"oauth"`
	// Probe is the operationId of a cheap read that needs no arguments,
	// used to check new credentials.
	Probe string `yaml:"probe"`
	// Excluded names operations that deliberately have no tool, with why.
	Excluded []Exclusion `yaml:"excluded"`
	// Instructions are the MCP server instructions: the conventions every
	// tool shares (dates, paging, errors, credits), said once instead of in
	// each tool's description. At most MaxInstructionsBytes.
	Instructions string `yaml:"instructions"`
	// CreditsNote is the sentence added to the description of every tool
	// whose record has credits: true, in the vendor's words.
	CreditsNote string `yaml:"credits_note"`
	// Vendor conventions (conventions.go, docs/integrations.md).
	Scopes      ScopeRule `yaml:"scopes"`
	Credentials []string  `yaml:"credentials"`
	// CredentialHelp tells a person where the vendor hands out the key.
	CredentialHelp string        `yaml:"credential_help"`
	Pagination     Pagination    `yaml:"pagination"`
	Requests       Requests      `yaml:"requests"`
	RateLimit      RateLimitRule `yaml:"rate_limit"`

	// SearchFetch says what ChatGPT's search and fetch tools are made of.
	SearchFetch *SearchFetch `yaml:"search_fetch"`

	Records []*Record `yaml:"-"`
	// Composites are multi-step tools over documented methods (composites.yaml).
	Composites []*Composite `yaml:"-"`
	// Finders scan a documented list tool and match its items
	// (finders.yaml; internal/finder runs them).
	Finders    []*finder.Def         `yaml:"-"`
	Operations map[string]*Operation `yaml:"-"` // by operationId
	Doc        *openapi3.T           `yaml:"-"`
	// Version changes whenever the definition's bytes change; caches key on it.
	Version string `yaml:"-"`
}

// BaseURLRule says which API hosts an account may point at.
type BaseURLRule struct {
	Default string `yaml:"default"`
	// HostSuffix: an https host equal to it or ending in "."+HostSuffix.
	HostSuffix string `yaml:"host_suffix"`
}

// OAuthRule describes the vendor's OAuth 2.0 authorization code flow.
type OAuthRule struct {
	AuthorizeURL string `yaml:"authorize_url"`
	TokenURL     string `yaml:"token_url"`
	// BaseURLField names the token answer's field holding the customer's
	// API host, if the vendor sends one.
	BaseURLField  string   `yaml:"base_url_field"`
	DefaultScopes []string `yaml:"default_scopes"`
	// ClientAuth is how the client authenticates at the token endpoint:
	// "basic" (HTTP Basic, the default) or "client_secret_post".
	ClientAuth string `yaml:"client_auth"`
	// AccountID says what identifies the connected company.
	AccountID AccountIdentity `yaml:"account_id"`
}

// ErrorRule says where an upstream error body keeps its details.
type ErrorRule struct {
	RequestID string `yaml:"request_id"`
	Messages  string `yaml:"messages"`
	// StatusHints add a sentence to an error of that status, in the
	// vendor's words (a 402's "no credits left").
	StatusHints map[int]string `yaml:"status_hints"`
}

// EmptyResult matches an upstream error that really is an empty answer.
type EmptyResult struct {
	Status          int    `yaml:"status"`
	MessageContains string `yaml:"message_contains"`
}

// Exclusion is an operation left out on purpose.
type Exclusion struct {
	Operation string `yaml:"operation"`
	Reason    string `yaml:"reason"`
}

// Operation is one OpenAPI operation with the bits tool generation needs.
type Operation struct {
	ID     string
	Method string // upper case
	Path   string
	// Op is the parsed operation, for tool generation; nil after Release.
	Op *openapi3.Operation
	// HasRequestBody: the operation takes a request body.
	HasRequestBody bool
	// Scopes parsed from the description prose (the document declares none).
	Scopes []string
	// Integration is the operation's integration, for its conventions.
	Integration *Integration
}

// Record is the curated documentation record of one method. A method with no
// record never becomes a tool.
type Record struct {
	Operation   string   `yaml:"operation"`
	Resource    string   `yaml:"resource"`
	Method      string   `yaml:"method"`
	Name        string   `yaml:"name"`     // pinned tool name; derived when empty
	Singular    string   `yaml:"singular"` // singular of Resource; derived when empty
	Title       string   `yaml:"title"`
	Description string   `yaml:"description"`
	Tags        []string `yaml:"tags"`
	Scopes      []string `yaml:"scopes"`
	ReadOnly    bool     `yaml:"read_only"`
	Destructive bool     `yaml:"destructive"`
	Idempotent  bool     `yaml:"idempotent"`
	Credits     bool     `yaml:"credits"`
	// Parameters exposed to the LLM. Empty means every path, query and
	// top-level body parameter of the operation, named as upstream.
	Parameters []Param `yaml:"parameters"`
	// Result is the dotted path of the list in the answer (list-like tools).
	Result string `yaml:"result"`
	// Cursor is where the page cursor travels upstream: "query" or "body".
	Cursor string `yaml:"cursor"`
	// Keep names top-level fields of the vendor's answer that a list
	// answer carries beside its result (e.g. the time zone and the date
	// range a stats answer actually used).
	Keep []string `yaml:"keep"`
	// Formats are extra answer formats besides the vendor's JSON, chosen
	// with the tool's "format" argument (e.g. compact transcript text).
	Formats map[string]Format `yaml:"formats"`
	// Aim, "transcript", says the answer's items are transcripts Patchbay
	// can narrow (internal/render Aim): the tool then takes AimArgs.
	Aim string `yaml:"aim"`
	// RequireOneOf lists arguments of which a call must pass at least one,
	// for tools whose empty arguments would dump the whole history.
	RequireOneOf []string `yaml:"require_one_of"`

	File string `yaml:"-"` // where the record was read from, for errors
}

// SearchFetch makes the search and fetch tools ChatGPT deep research asks
// for out of an integration's tools: search runs a finder with the query's
// words (param Words) over the last Days; fetch reads one item's details
// and its transcript, each a tool called with the id in its ids argument.
type SearchFetch struct {
	Finder     string   `yaml:"finder"`
	Words      string   `yaml:"words"`
	Days       int      `yaml:"days"`
	Details    ByIDTool `yaml:"details"`
	Transcript ByIDTool `yaml:"transcript"`
}

// ByIDTool is a tool called for given ids.
type ByIDTool struct {
	Tool      string         `yaml:"tool"`
	IDs       string         `yaml:"ids"`
	Arguments map[string]any `yaml:"arguments"`
}

// AimTranscript is the Aim of transcript tools.
const AimTranscript = "transcript"

// Aim arguments: narrow transcripts to a time window, one side of the
// call, or the turns that mention given words.
const (
	AimLastMinutes = "last_minutes"
	AimFromSecond  = "from_second"
	AimToSecond    = "to_second"
	AimSpeakers    = "speakers"
	AimMentions    = "mentions"
)

// AimArgs are the arguments a tool with an Aim takes besides its own.
var AimArgs = []string{AimLastMinutes, AimFromSecond, AimToSecond, AimSpeakers, AimMentions}

// Composite is a tool that runs a start method and then polls another
// until the work is done, so an LLM never takes "accepted" for "done".
type Composite struct {
	Name        string   `yaml:"name"`
	Title       string   `yaml:"title"`
	Description string   `yaml:"description"`
	Tags        []string `yaml:"tags"`
	// Start is the tool that kicks the work off; its input schema is the
	// composite's.
	Start string `yaml:"start"`
	// Require lists start arguments the composite needs beyond the start
	// tool's own required ones.
	Require []string `yaml:"require"`
	// Omit drops rarely needed start arguments from the composite (they stay
	// on the start tool itself).
	Omit []string      `yaml:"omit"`
	Poll CompositePoll `yaml:"poll"`
	// WaitSeconds is how long the composite waits by default, and at most.
	WaitSeconds    int `yaml:"wait_seconds"`
	MaxWaitSeconds int `yaml:"max_wait_seconds"`

	File string `yaml:"-"`
}

// CompositePoll says how to check on the work and when it is finished.
type CompositePoll struct {
	Tool string `yaml:"tool"`
	// Arguments of the poll tool: "start.<dotted path>" reads the start
	// answer, "args.<name>" the composite's own arguments.
	Arguments map[string]string `yaml:"arguments"`
	// Until "success": done as soon as the poll tool answers without error
	// (404 means not yet). Otherwise Status names the answer's status field.
	Until  string   `yaml:"until"`
	Status string   `yaml:"status"`
	Done   []string `yaml:"done"`
	Failed []string `yaml:"failed"`
}

// Format is an alternative rendering of a tool's answer.
type Format struct {
	// Renderer names the Go renderer (internal/render), e.g. "transcript".
	Renderer string `yaml:"renderer"`
	// Description tells the LLM what the format gives.
	Description string `yaml:"description"`
	// Speakers, when set, is a second call that resolves speaker ids to
	// people; it is made only when this format is asked for.
	Speakers *SpeakerSource `yaml:"speakers"`
}

// SpeakerSource is the operation that lists the people of each item.
type SpeakerSource struct {
	Operation string `yaml:"operation"`
	// IDsArgument is the argument of that operation's tool taking the ids.
	IDsArgument string `yaml:"ids_argument"`
	// Arguments are fixed extra arguments (e.g. parties: true).
	Arguments map[string]any `yaml:"arguments"`
}

// FormatArg is the tool argument that picks an answer format.
const FormatArg = "format"

// Param maps one tool argument to its place in the upstream request.
type Param struct {
	Name        string `yaml:"name"`
	In          string `yaml:"in"`    // path, query or body
	Field       string `yaml:"field"` // upstream name or dotted body path; defaults to Name; "." is the whole body
	Description string `yaml:"description"`
	Required    bool   `yaml:"required"`
	// Schema overrides or extends the upstream schema (format, enum, ...).
	Schema map[string]any `yaml:"schema"`
	// FileFormat, for in: file, says how the argument becomes a multipart
	// file part named Field: "ldjson" writes an array of objects one JSON
	// object per line.
	FileFormat string `yaml:"file_format"`
}

// MaxInstructionsBytes caps the server instructions: a client puts them in
// the model's context on every conversation, like the tool list.
const MaxInstructionsBytes = 1500

// Standard methods; anything else is a custom method.
var standardMethods = map[string]bool{"list": true, "get": true, "create": true, "update": true, "delete": true}

// IsStandardMethod reports whether m is one of list, get, create, update, delete.
func IsStandardMethod(m string) bool { return standardMethods[m] }

var (
	snakeRe = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// Load reads integration.yaml, the OpenAPI document it names and every
// records/*.yaml file from fsys, and validates the records against the
// document. Errors name the file and the field at fault.
func Load(fsys fs.FS) (*Integration, error) {
	raw, err := fs.ReadFile(fsys, "integration.yaml")
	if err != nil {
		return nil, err
	}
	in := &Integration{}
	if err := decodeStrict(raw, in); err != nil {
		return nil, fmt.Errorf("integration.yaml: %w", err)
	}
	if !snakeRe.MatchString(in.Name) {
		return nil, fmt.Errorf("integration.yaml: name %q must be snake_case", in.Name)
	}
	in.applyDefaults()
	if err := in.validateConventions(); err != nil {
		return nil, err
	}
	docBytes, err := fs.ReadFile(fsys, in.OpenAPIFile)
	if err != nil {
		return nil, fmt.Errorf("integration.yaml: openapi: %w", err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(docBytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", in.OpenAPIFile, err)
	}
	in.Doc = doc
	in.Operations = in.operations(doc)

	files, err := fs.Glob(fsys, "records/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	hash := newHasher()
	hash.Write(raw)
	hash.Write(docBytes)
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		hash.Write(b)
		var recs []*Record
		if err := decodeStrict(b, &recs); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, r := range recs {
			r.File = f
			in.Records = append(in.Records, r)
		}
	}
	if b, err := fs.ReadFile(fsys, "composites.yaml"); err == nil {
		hash.Write(b)
		if err := decodeStrict(b, &in.Composites); err != nil {
			return nil, fmt.Errorf("composites.yaml: %w", err)
		}
		for _, c := range in.Composites {
			c.File = "composites.yaml"
		}
	}
	if b, err := fs.ReadFile(fsys, finder.FileName); err == nil {
		hash.Write(b)
		if in.Finders, err = finder.Decode(b); err != nil {
			return nil, err
		}
	}
	in.Version = hash.sum()
	if err := in.validate(); err != nil {
		return nil, err
	}
	return in, nil
}

// decodeLoose reads only the fields v names, ignoring the rest.
func decodeLoose(b []byte, v any) error { return yaml.Unmarshal(b, v) }

func decodeStrict(b []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return err
	}
	return nil
}

// Release drops the parsed OpenAPI document (Doc and every Operation.Op)
// once tools are generated from it: serving tool calls reads none of it,
// and it is most of a loaded integration's heap (about 3.7 MB of 4.8 MB for
// Gong).
func (in *Integration) Release() {
	in.Doc = nil
	for _, op := range in.Operations {
		op.Op = nil
	}
}

func (in *Integration) operations(doc *openapi3.T) map[string]*Operation {
	ops := map[string]*Operation{}
	for p, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops[op.OperationID] = &Operation{
				ID:             op.OperationID,
				Method:         strings.ToUpper(method),
				Path:           p,
				Op:             op,
				HasRequestBody: op.RequestBody != nil,
				Scopes:         in.ParseScopes(op.Description),
				Integration:    in,
			}
		}
	}
	return ops
}

var sentenceRe = regexp.MustCompile(`\.\s+|\n`)

func (in *Integration) validate() error {
	seenOp := map[string]string{}
	for _, r := range in.Records {
		if prev, dup := seenOp[r.Operation]; dup {
			return r.fieldError("operation", "already documented in %s", prev)
		}
		seenOp[r.Operation] = r.File
		if err := in.validateRecord(r); err != nil {
			return err
		}
	}
	if sf := in.SearchFetch; sf != nil {
		if sf.Finder == "" || sf.Words == "" || sf.Days <= 0 || sf.Details.Tool == "" || sf.Details.IDs == "" || sf.Transcript.Tool == "" || sf.Transcript.IDs == "" {
			return fmt.Errorf("integration.yaml: search_fetch needs finder, words, days (positive), and details and transcript each with tool and ids")
		}
	}
	if n := len(in.Instructions); n > MaxInstructionsBytes {
		return fmt.Errorf("integration.yaml: instructions are %d bytes, more than %d", n, MaxInstructionsBytes)
	}
	for _, r := range in.Records {
		if r.Credits && strings.TrimSpace(in.CreditsNote) == "" {
			return fmt.Errorf("integration.yaml: credits_note is required: %s (%s) spends credits", r.Operation, r.File)
		}
	}
	if _, ok := seenOp[in.Probe]; in.Probe != "" && !ok {
		return fmt.Errorf("integration.yaml: probe %q has no documentation record", in.Probe)
	}
	return in.validateExclusions(seenOp)
}

// fieldError names the record's file, operation and field at fault.
func (r *Record) fieldError(field, format string, a ...any) error {
	return fmt.Errorf("%s: operation %q: field %s: %s", r.File, r.Operation, field, fmt.Sprintf(format, a...))
}

// validateRecord checks one documentation record against the document and
// the integration's conventions.
func (in *Integration) validateRecord(r *Record) error {
	op, ok := in.Operations[r.Operation]
	if !ok {
		return r.fieldError("operation", "no such operationId in %s", in.OpenAPIFile)
	}
	if err := r.validateNaming(); err != nil {
		return err
	}
	if err := r.validatePaging(); err != nil {
		return err
	}
	if err := in.validateFormats(r); err != nil {
		return err
	}
	if err := r.validateParams(op); err != nil {
		return err
	}
	for _, s := range r.Scopes {
		if !in.Scopes.Valid(s) {
			return r.fieldError("scopes", "%q does not match the integration's scope pattern %s", s, in.Scopes.Pattern)
		}
	}
	return nil
}

// validateNaming checks the names, prose and flags an LLM sees.
func (r *Record) validateNaming() error {
	if !snakeRe.MatchString(r.Resource) {
		return r.fieldError("resource", "%q must be snake_case", r.Resource)
	}
	if !snakeRe.MatchString(r.Method) {
		return r.fieldError("method", "%q must be snake_case", r.Method)
	}
	if r.Name != "" && !snakeRe.MatchString(r.Name) {
		return r.fieldError("name", "%q must be snake_case", r.Name)
	}
	if strings.TrimSpace(r.Description) == "" {
		return r.fieldError("description", "is required")
	}
	if len(r.Tags) == 0 {
		return r.fieldError("tags", "at least one tag is required")
	}
	if r.ReadOnly && r.Destructive {
		return r.fieldError("destructive", "a read-only method cannot be destructive")
	}
	return nil
}

// validatePaging checks where the cursor travels and where the list is.
func (r *Record) validatePaging() error {
	switch r.Cursor {
	case "", "query", "body":
	default:
		return r.fieldError("cursor", "must be query or body, not %q", r.Cursor)
	}
	if r.Cursor != "" && r.Result == "" {
		return r.fieldError("result", "a paginated method must say where its list is")
	}
	if len(r.Keep) > 0 && r.Result == "" {
		return r.fieldError("keep", "only a list method (with result) keeps fields beside its list")
	}
	for _, k := range r.Keep {
		if k == "" || slices.Contains(EnvelopeKeys, k) {
			return r.fieldError("keep", "%q cannot be kept: the list answer's own keys are %s", k, strings.Join(EnvelopeKeys, ", "))
		}
	}
	return nil
}

// EnvelopeKeys are the keys of a list answer Patchbay builds: the next
// page's cursor, the vendor's total when it gives one, the list, and the
// answer budget's note (internal/fit).
var EnvelopeKeys = []string{CursorArg, "total", "result", "answer_budget"}

// SpeakerSource is the speaker lookup of the record's formats, if any.
func (r *Record) SpeakerSource() *SpeakerSource {
	names := make([]string, 0, len(r.Formats))
	for n := range r.Formats {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if s := r.Formats[n].Speakers; s != nil {
			return s
		}
	}
	return nil
}

// validateFormats checks the extra answer formats and their speaker calls.
func (in *Integration) validateFormats(r *Record) error {
	if r.Aim != "" {
		if r.Aim != AimTranscript || r.Result == "" || r.SpeakerSource() == nil {
			return r.fieldError("aim", "only %q, on a list tool with a format whose speakers say who is on which side", AimTranscript)
		}
	}
	for name, f := range r.Formats {
		if !snakeRe.MatchString(name) || name == "json" {
			return r.fieldError("formats", "format name %q must be snake_case and not json", name)
		}
		if f.Renderer == "" || strings.TrimSpace(f.Description) == "" {
			return r.fieldError("formats."+name, "renderer and description are required")
		}
		if f.Speakers != nil {
			if _, ok := in.Operations[f.Speakers.Operation]; !ok {
				return r.fieldError("formats."+name+".speakers.operation", "no such operationId %q", f.Speakers.Operation)
			}
			if f.Speakers.IDsArgument == "" {
				return r.fieldError("formats."+name+".speakers.ids_argument", "is required")
			}
		}
	}
	return nil
}

// validateParams checks each exposed argument and that every path
// parameter of the operation is exposed.
func (r *Record) validateParams(op *Operation) error {
	names := map[string]bool{}
	for i, p := range r.Parameters {
		f := fmt.Sprintf("parameters[%d]", i)
		if names[p.Name] {
			return r.fieldError(f+".name", "%q appears twice", p.Name)
		}
		names[p.Name] = true
		if err := r.validateParam(op, f, p); err != nil {
			return err
		}
	}
	// A path parameter the record does not expose would leave the URL
	// unfillable, so it must be there.
	if len(r.Parameters) == 0 {
		return nil
	}
	for _, seg := range pathParams(op.Path) {
		exposed := slices.ContainsFunc(r.Parameters, func(p Param) bool { return p.In == "path" && p.field() == seg })
		if !exposed {
			return r.fieldError("parameters", "path parameter {%s} of %s is not exposed", seg, op.Path)
		}
	}
	return nil
}

func (r *Record) validateParam(op *Operation, f string, p Param) error {
	if !snakeOrCamel.MatchString(p.Name) {
		return r.fieldError(f+".name", "%q is not a valid argument name", p.Name)
	}
	if p.Name == CursorArg || (p.Name == FormatArg && len(r.Formats) > 0) {
		return r.fieldError(f+".name", "%q is reserved for the page cursor", p.Name)
	}
	if r.Aim != "" && slices.Contains(AimArgs, p.Name) {
		return r.fieldError(f+".name", "%q is reserved for aiming transcripts", p.Name)
	}
	switch p.In {
	case "path", "query", "body":
	case "file":
		if p.FileFormat != "ldjson" || len(p.Schema) == 0 {
			return r.fieldError(f+".file_format", "a file parameter needs file_format: ldjson and a schema")
		}
	default:
		return r.fieldError(f+".in", "must be path, query, body or file, not %q", p.In)
	}
	if p.In == "path" && !strings.Contains(op.Path, "{"+p.field()+"}") {
		return r.fieldError(f+".field", "path %s has no {%s}", op.Path, p.field())
	}
	if p.In == "path" && !p.Required {
		return r.fieldError(f+".required", "path parameters are always required")
	}
	return nil
}

// validateExclusions checks that each excluded operation exists, says why,
// and is not documented after all.
func (in *Integration) validateExclusions(documented map[string]string) error {
	for _, ex := range in.Excluded {
		if _, ok := in.Operations[ex.Operation]; !ok {
			return fmt.Errorf("integration.yaml: excluded: no such operationId %q", ex.Operation)
		}
		if strings.TrimSpace(ex.Reason) == "" {
			return fmt.Errorf("integration.yaml: excluded %q: a reason is required", ex.Operation)
		}
		if f, ok := documented[ex.Operation]; ok {
			return fmt.Errorf("integration.yaml: excluded %q is documented in %s too", ex.Operation, f)
		}
	}
	return nil
}

var snakeOrCamel = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`)

// CursorArg is the tool argument that carries a page cursor back.
const CursorArg = "next_cursor"

func (p Param) field() string {
	if p.Field != "" {
		return p.Field
	}
	return p.Name
}

// UpstreamField is where the argument goes upstream: a name, a dotted body
// path, or "." for the whole body.
func (p Param) UpstreamField() string { return p.field() }

func pathParams(p string) []string {
	var out []string
	for _, seg := range strings.Split(p, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, seg[1:len(seg)-1])
		}
	}
	return out
}

// PathParams lists the {names} in an OpenAPI path template, in order.
func PathParams(p string) []string { return pathParams(p) }

// OperationIDs lists every operationId of the document, sorted.
func (in *Integration) OperationIDs() []string {
	ids := make([]string, 0, len(in.Operations))
	for id := range in.Operations {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// RecordFor returns the documentation record of an operation, if any.
func (in *Integration) RecordFor(opID string) *Record {
	for _, r := range in.Records {
		if r.Operation == opID {
			return r
		}
	}
	return nil
}

// Base returns the last element of a dotted path.
func Base(dotted string) string { return path.Base(strings.ReplaceAll(dotted, ".", "/")) }
