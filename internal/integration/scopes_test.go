package integration_test

import (
	"fmt"
	"testing"

	gongdef "github.com/patchbay-dev/patchbay/integrations/gong"
	"github.com/patchbay-dev/patchbay/internal/integration"
)

// Gong's scope pattern (integration.yaml scopes.pattern) read from prose.
func TestParseScopes(t *testing.T) {
	in, err := integration.Load(gongdef.FS)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ desc, want string }{
		{"List calls.\n\nWhen accessed through a Bearer token authorization method, this endpoint requires the scope 'api:calls:read:basic'.", "[api:calls:read:basic]"},
		{"This endpoint requires the 'api:crm:upload' scope.", "[api:crm:upload]"},
		{"To use this endpoint, use the 'api:flows:read' scope.", "[api:flows:read]"},
		{"Required authorization scope: 'api:ai-briefer:read'", "[api:ai-briefer:read]"},
		{"requires the scope 'api:calls:read:extensive'. \nMoreover, clients requesting media should also have the scope 'api:calls:read:media-url'.", "[api:calls:read:extensive]"},
		{"No scope here, only a 'quoted' word.", "[]"},
		{"requires the scope 'api:users:read'. Again: 'api:users:read'.", "[api:users:read]"},
	}
	for _, tc := range tests {
		if got := fmt.Sprint(in.ParseScopes(tc.desc)); got != tc.want {
			t.Errorf("ParseScopes(%q) = %s, want %s", tc.desc, got, tc.want)
		}
	}
}
