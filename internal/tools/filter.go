package tools

import (
	"strings"

	"github.com/patchbay-dev/patchbay/internal/store"
)

// Filter is an MCP server's choice of tools: methods and tags combine with
// AND; an empty list lets everything through.
type Filter struct {
	// Methods: "read", "write", "custom", or an exact method or tool name.
	Methods []string
	// Tags: a tool passes when it carries any of them.
	Tags []string
	// NoCredits leaves out the tools that spend vendor credits.
	NoCredits bool
}

// FilterOf is the filter of an MCP server's config.
func FilterOf(cfg store.ServerConfig) Filter {
	return Filter{Methods: cfg.Methods, Tags: cfg.Tags, NoCredits: cfg.NoCredits}
}

// Key identifies what the filter lets through, for caching its tool list.
func (f Filter) Key() string {
	key := strings.Join(f.Methods, ",") + "\x00" + strings.Join(f.Tags, ",")
	if f.NoCredits {
		key += "\x00no-credits"
	}
	return key
}

// Allows reports whether the filter lets t through. tools/list and
// tools/call both ask this, so a hidden tool can never be called.
func (f Filter) Allows(t *Tool) bool {
	return f.methodOK(t) && f.tagOK(t) && !(f.NoCredits && t.Credits)
}

func (f Filter) methodOK(t *Tool) bool {
	if len(f.Methods) == 0 {
		return true
	}
	for _, m := range f.Methods {
		switch m {
		case "read":
			if t.Read {
				return true
			}
		case "write":
			if !t.Read {
				return true
			}
		case "custom":
			if t.Custom {
				return true
			}
		default:
			if m == t.Method || m == t.Name {
				return true
			}
		}
	}
	return false
}

func (f Filter) tagOK(t *Tool) bool {
	if len(f.Tags) == 0 {
		return true
	}
	for _, want := range f.Tags {
		for _, have := range t.Tags {
			if want == have {
				return true
			}
		}
	}
	return false
}

// Select returns the tools of the set that the filter lets through, in the
// set's (name) order.
func (s *Set) Select(f Filter) []*Tool {
	out := make([]*Tool, 0, len(s.Tools))
	for _, t := range s.Tools {
		if f.Allows(t) {
			out = append(out, t)
		}
	}
	return out
}
