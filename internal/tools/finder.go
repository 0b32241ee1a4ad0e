package tools

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/patchbay-dev/patchbay/internal/finder"
	"github.com/patchbay-dev/patchbay/internal/integration"
)

// FinderTool is what a finder tool runs: its definition and the tool whose
// pages it reads.
type FinderTool struct {
	Def  *finder.Def
	Scan *Tool
}

// addFinders turns the integration's finder definitions into read-only
// tools. A finder reads only through its scan tool, so it needs that
// tool's scopes and is allowed only where that tool is.
func (s *Set) addFinders(in *integration.Integration) error {
	for _, d := range in.Finders {
		if _, dup := s.byName[d.Name]; dup {
			return fmt.Errorf("%s: finder %q: name already used", d.File, d.Name)
		}
		if !snakeName(d.Name) {
			return fmt.Errorf("%s: finder %q: the name must be snake_case", d.File, d.Name)
		}
		if err := d.Prepare(func(n string) bool { _, ok := s.byName[n]; return ok }); err != nil {
			return err
		}
		scan := s.byName[d.Scan.Tool]
		if !scan.Read || !scan.Paginated || scan.Composite != nil {
			return fmt.Errorf("%s: finder %q: scan tool %s must be a paginated read tool", d.File, d.Name, scan.Name)
		}
		var schema map[string]any
		if err := json.Unmarshal(d.InputSchema(), &schema); err != nil {
			return err
		}
		desc := strings.TrimSpace(d.Description)
		if scan.Credits {
			desc += "\n" + strings.TrimSpace(in.CreditsNote)
		}
		t := &Tool{
			Name: d.Name, Title: d.Title, Description: desc,
			Annotations: Annotations{Title: d.Title, ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: true},
			Tags:        append([]string(nil), d.Tags...), Scopes: append([]string(nil), scan.Scopes...),
			Resource: scan.Resource, Method: "find", Read: true, Custom: true, Credits: scan.Credits,
			Finder: &FinderTool{Def: d, Scan: scan},
		}
		if err := t.setSchema(schema); err != nil {
			return fmt.Errorf("%s: finder %q: schema: %v", d.File, d.Name, err)
		}
		s.byName[t.Name] = t
		s.Tools = append(s.Tools, t)
	}
	return nil
}
