package mcp_test

import (
	"encoding/json"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	gongdef "github.com/patchbay-dev/patchbay/integrations/gong"
	"github.com/patchbay-dev/patchbay/internal/integration"
	"github.com/patchbay-dev/patchbay/internal/mcp"
	"github.com/patchbay-dev/patchbay/internal/tools"
)

// BenchmarkRenderToolsList is the tools/list of a server config with
// every Gong tool: the selection, the SDK wire types, and their JSON
// (which the SDK marshals on every tools/list).
func BenchmarkRenderToolsList(b *testing.B) {
	in, err := integration.Load(gongdef.FS)
	if err != nil {
		b.Fatal(err)
	}
	set, err := tools.Generate(in)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		sel := set.Select(tools.Filter{})
		list := make([]*sdk.Tool, 0, len(sel))
		for _, t := range sel {
			list = append(list, mcp.SDKTool(t))
		}
		if _, err := json.Marshal(&sdk.ListToolsResult{Tools: list}); err != nil {
			b.Fatal(err)
		}
	}
}
