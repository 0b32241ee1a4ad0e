// Package clientip says which address a request came from, for the
// limiters that count failures per source.
package clientip

import (
	"net"
	"net/http"
	"strings"
)

// Of is the request's source address: the connection's IP, or, when
// trustForwardedFor is set (only behind a proxy the operator runs), the
// last X-Forwarded-For entry, the one that proxy appended; entries a
// client wrote before it are ignored.
func Of(r *http.Request, trustForwardedFor bool) string {
	if trustForwardedFor {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if ip := net.ParseIP(strings.TrimSpace(parts[len(parts)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
