package upstream

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/tools"
)

// The integration's conventions as the request builder and the answer
// mapper read them. A tool whose operation was made by hand (tests) has no
// integration and gets the defaults.

var noConventions = func() *integration.Integration {
	in := &integration.Integration{}
	in.Pagination = integration.Pagination{Style: integration.PageByCursor, Param: integration.PageByCursor}
	return in
}()

func conventions(t *tools.Tool) *integration.Integration {
	if t.Operation != nil && t.Operation.Integration != nil {
		return t.Operation.Integration
	}
	return noConventions
}

func pagination(t *tools.Tool) integration.Pagination { return conventions(t).Pagination }

// defaultBody is a fresh copy of the integration's default request body,
// or nil when it sends none.
func defaultBody(op *integration.Operation) map[string]any {
	if op.Integration == nil || op.Integration.Requests.DefaultBody == nil {
		return nil
	}
	return deepCopy(op.Integration.Requests.DefaultBody).(map[string]any)
}

// deepCopy copies decoded YAML or JSON so a request never writes into the
// integration's own default.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

// nextPageCursor finds the cursor of the page after this one: the answer's
// own cursor, or for page-numbered APIs the next page number while more
// pages follow. It returns JSON ("null" when this is the last page).
func nextPageCursor(paging integration.Pagination, top map[string]json.RawMessage, list json.RawMessage, args map[string]any) []byte {
	if paging.Style == integration.PageByNumber {
		return nextPageNumber(paging, top, list, args)
	}
	raw := topLookup(top, paging.NextCursor)
	var c *string
	if raw == nil || json.Unmarshal(raw, &c) != nil || c == nil || *c == "" {
		return []byte("null")
	}
	b, _ := json.Marshal(*c)
	return b
}

func nextPageNumber(paging integration.Pagination, top map[string]json.RawMessage, list json.RawMessage, args map[string]any) []byte {
	page := paging.FirstPage
	if c, ok := args[integration.CursorArg].(string); ok && c != "" {
		if n, err := json.Number(c).Int64(); err == nil {
			page = int(n)
		}
	}
	more := false
	if paging.HasMore != "" {
		_ = json.Unmarshal(topLookup(top, paging.HasMore), &more)
	} else {
		var items []json.RawMessage
		more = json.Unmarshal(list, &items) == nil && len(items) >= paging.PageSize
	}
	if !more {
		return []byte("null")
	}
	b, _ := json.Marshal(strconv.Itoa(page + 1))
	return b
}

func splitPath(dotted string) (first, rest string) {
	first, rest, _ = strings.Cut(dotted, ".")
	return first, rest
}
