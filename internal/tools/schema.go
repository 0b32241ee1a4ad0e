package tools

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

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

// upstreamSchema finds the schema of the upstream field a parameter maps to.
// A field the document does not describe (Gong documents some query
// parameters only in prose) needs a schema in the record.
func upstreamSchema(op *integration.Operation, p integration.Param) (map[string]any, error) {
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
		return nil
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
