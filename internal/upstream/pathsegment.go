package upstream

import (
	"fmt"
	"strings"
)

// checkPathSegment refuses a path argument that could leave its segment:
// empty, "." or "..", or holding a "/" or "\". Escaping is not enough:
// proxies and servers that normalise paths (or take "\" for "/") can turn
// an escaped one back into a separator and reach another endpoint.
func checkPathSegment(name, s string) error {
	if s == "" || s == "." || s == ".." || strings.ContainsAny(s, `/\`) {
		return &ArgError{Msg: fmt.Sprintf(`%s must be one path segment: not empty, "." or "..", and without "/" or "\"`, name)}
	}
	return nil
}
