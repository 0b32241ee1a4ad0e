package oauth

import (
	"errors"
	"net/http"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"github.com/patchbay-dev/patchbay/internal/clientip"
)

// Well-known documents served.
const (
	prmName  = "oauth-protected-resource"
	asName   = "oauth-authorization-server"
	oidcName = "openid-configuration"
)

// ASMetadata is the authorization server metadata (RFC 8414), also served
// as the OpenID discovery document's subset clients read.
type ASMetadata struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	RegistrationEndpoint              string   `json:"registration_endpoint"`
	RevocationEndpoint                string   `json:"revocation_endpoint"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	RevocationAuthMethodsSupported    []string `json:"revocation_endpoint_auth_methods_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	ClientIDMetadataDocumentSupported bool     `json:"client_id_metadata_document_supported"`
	IssParameterSupported             bool     `json:"authorization_response_iss_parameter_supported"`
	ServiceDocumentation              string   `json:"service_documentation,omitempty"`
}

// Metadata is this server's authorization server metadata.
func (s *Server) Metadata() *ASMetadata {
	return &ASMetadata{
		Issuer:                            s.issuer,
		AuthorizationEndpoint:             s.issuer + AuthorizePath,
		TokenEndpoint:                     s.issuer + TokenPath,
		RegistrationEndpoint:              s.issuer + RegisterPath,
		RevocationEndpoint:                s.issuer + RevokePath,
		ScopesSupported:                   []string{Scope},
		ResponseTypesSupported:            []string{"code"},
		ResponseModesSupported:            []string{"query"},
		GrantTypesSupported:               []string{"authorization_code", "refresh_token"},
		TokenEndpointAuthMethodsSupported: []string{"none"},
		RevocationAuthMethodsSupported:    []string{"none"},
		CodeChallengeMethodsSupported:     []string{"S256"},
		ClientIDMetadataDocumentSupported: true,
		IssParameterSupported:             true,
	}
}

// ResourceMetadata is the RFC 9728 document of a resource.
func (s *Server) ResourceMetadata(r *Resource) *oauthex.ProtectedResourceMetadata {
	name := "Patchbay MCP servers (choose one when you approve)"
	if r.Kind != KindPicker {
		name = "Patchbay MCP server"
	}
	return &oauthex.ProtectedResourceMetadata{
		Resource:               r.URL,
		AuthorizationServers:   []string{s.issuer},
		ScopesSupported:        []string{Scope},
		BearerMethodsSupported: []string{"header"},
		ResourceName:           name,
	}
}

// MetadataURL is the path-inserted RFC 9728 URL of a resource path: what
// 401 challenges point at.
func (s *Server) MetadataURL(resourcePath string) string {
	return s.issuer + "/.well-known/" + prmName + resourcePath
}

// IsDiscoveryPath reports whether a path asks for a discovery document.
func IsDiscoveryPath(p string) bool { return strings.Contains(p, "/.well-known/") }

// Discovery serves discovery paths (also the path-appended ones under
// /mcp/…) and passes everything else to next.
func (s *Server) Discovery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if IsDiscoveryPath(r.URL.Path) {
			s.serveDiscovery(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// splitDiscovery takes a discovery path apart into the document's name
// and the resource path it is about: path-inserted
// (/.well-known/NAME/RESOURCE), path-appended (/RESOURCE/.well-known/NAME)
// or root (/.well-known/NAME).
func splitDiscovery(p string) (name, resource string, ok bool) {
	if rest, found := strings.CutPrefix(p, "/.well-known/"); found {
		name, resource, _ = strings.Cut(rest, "/")
		if resource != "" {
			resource = "/" + resource
		}
	} else {
		i := strings.Index(p, "/.well-known/")
		if i <= 0 {
			return "", "", false
		}
		resource, name = p[:i], p[i+len("/.well-known/"):]
	}
	switch name {
	case prmName, asName, oidcName:
		return name, resource, true
	}
	return "", "", false
}

func (s *Server) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	if publicCORS(w, r, "GET") {
		return
	}
	name, resourcePath, ok := splitDiscovery(r.URL.Path)
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not_found", "message": "no such document"})
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD, OPTIONS")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method_not_allowed", "message": "use GET"})
		return
	}
	res := &Resource{Kind: KindPicker, Path: PickerPath, URL: s.PickerURL()}
	if resourcePath != "" {
		var err error
		res, err = s.ResolvePath(WithSource(r.Context(), clientip.Of(r, s.cfg.TrustForwardedFor)), strings.TrimRight(resourcePath, "/"))
		if errors.Is(err, ErrTooManyFailures) {
			w.Header().Set("Retry-After", "60")
			writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": "too_many_failures", "message": "too many requests with an unknown MCP URL came from this address; retry later"})
			return
		}
		if errors.Is(err, ErrUnknownResource) {
			// Plain token URLs land here: no OAuth, so probing clients
			// connect to them without a sign-in.
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "not_found", "message": "no OAuth-protected MCP server at this URL"})
			return
		}
		if err != nil {
			s.log.ErrorContext(r.Context(), "oauth: resolving a discovery path", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "unavailable", "message": "try again shortly"})
			return
		}
	}
	switch {
	case res.Kind == KindToken:
		w.Header().Set("Cache-Control", "no-store") // its URL holds a secret
	case res.Kind == KindServer:
		w.Header().Set("Cache-Control", "public, max-age=60")
	default:
		w.Header().Set("Cache-Control", "public, max-age=300")
	}
	if name == prmName {
		writeJSON(w, http.StatusOK, s.ResourceMetadata(res))
		return
	}
	writeJSON(w, http.StatusOK, s.Metadata())
}
