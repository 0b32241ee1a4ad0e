package mcp

import (
	"context"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// discoverMiddleware declares, in the 2026-07-28 server/discover result,
// the empty prompts and resources the SDK serves. That revision requires a
// server that answers prompts/list and resources/list (with caching hints)
// to declare them; 2025-era initialize results keep advertising tools
// only, and those clients may still list the empty sets.
func discoverMiddleware(next sdk.MethodHandler) sdk.MethodHandler {
	return func(ctx context.Context, method string, req sdk.Request) (sdk.Result, error) {
		res, err := next(ctx, method, req)
		if d, ok := res.(*sdk.DiscoverResult); ok && err == nil && d.Capabilities != nil {
			caps := *d.Capabilities
			if caps.Prompts == nil {
				caps.Prompts = &sdk.PromptCapabilities{}
			}
			if caps.Resources == nil {
				caps.Resources = &sdk.ResourceCapabilities{}
			}
			d.Capabilities = &caps
		}
		return res, err
	}
}
