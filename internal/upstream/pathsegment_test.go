package upstream_test

import (
	"context"
	"errors"
	"testing"

	"github.com/patchbay-dev/patchbay/internal/upstream"
)

// Finding 15: "../" in a path argument was escaped, not refused. Every
// value that is not one path segment is refused before any request is
// built (so before any upstream call).
func TestPathArgumentsMustBeOneSegment(t *testing.T) {
	tl := tool(t, sharedSet(t), "get_single_gong_call_by_id")
	for _, id := range []string{"", ".", "..", "../users", "..\\users", "a/b", "a\\b", "/", "\\", "7782/../../users"} {
		req, err := upstream.Build(context.Background(), "https://api.gong.io", tl, map[string]any{"id": id})
		var ae *upstream.ArgError
		if !errors.As(err, &ae) || req != nil {
			t.Errorf("id %q: %v, %v; want an argument error and no request", id, req, err)
		}
	}
	for _, id := range []string{"7782342274025937895", "a b", "%2e%2e", "日本", "..a", "a.."} {
		if _, err := upstream.Build(context.Background(), "https://api.gong.io", tl, map[string]any{"id": id}); err != nil {
			t.Errorf("id %q refused: %v", id, err)
		}
	}
}
