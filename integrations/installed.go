// Package integrations lists the integrations built into Patchbay. Each is
// a folder of data (integration.yaml, the vendor's OpenAPI document,
// documentation records); adding one is adding its folder and a line here
// (docs/integrations.md).
package integrations

import (
	"io/fs"

	"github.com/patchbay-dev/patchbay/integrations/gong"
)

// Installed are the definitions Patchbay loads at start-up.
var Installed = []fs.FS{gong.FS}
