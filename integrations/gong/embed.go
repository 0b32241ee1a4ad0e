// Package gong holds the Gong integration as data: Gong's own OpenAPI
// document, the integration's conventions and the documentation records
// that turn Gong's operations into tools. See SOURCE.md for the document's
// origin.
package gong

import "embed"

// FS is the integration definition, read by internal/integration.Load.
//
//go:embed integration.yaml openapi.json composites.yaml finders.yaml records/*.yaml
var FS embed.FS
