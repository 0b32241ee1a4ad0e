package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"github.com/patchbay-dev/patchbay/internal/store"
)

// registration is the RFC 7591 answer: the metadata as registered plus
// the client's id and its RFC 7592 URL (which claude.ai wants present).
type registration struct {
	ClientID              string `json:"client_id"`
	ClientIDIssuedAt      int64  `json:"client_id_issued_at"`
	RegistrationClientURI string `json:"registration_client_uri"`
	oauthex.ClientRegistrationMetadata
}

const maxRegistrationBytes = 16 << 10

// handleRegister is dynamic client registration: public clients only.
func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	if publicCORS(w, r, "POST") {
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST, OPTIONS")
		writeError(w, errorf(http.StatusMethodNotAllowed, "invalid_request", "POST client metadata (RFC 7591) here"))
		return
	}
	src := s.source(r)
	if ok, wait := s.registers.allow(src); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		writeError(w, errorf(http.StatusTooManyRequests, "too_many_requests", "too many client registrations from this address; retry later"))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRegistrationBytes))
	if err != nil {
		writeError(w, errorf(http.StatusBadRequest, "invalid_client_metadata", "the body is unreadable or larger than %d bytes", maxRegistrationBytes))
		return
	}
	var md oauthex.ClientRegistrationMetadata
	if err := json.Unmarshal(bytes.TrimSpace(body), &md); err != nil {
		writeError(w, errorf(http.StatusBadRequest, "invalid_client_metadata", "the body is not client metadata JSON"))
		return
	}
	c, err := s.Register(r.Context(), &md, store.OAuthClientDynamic, src)
	if err != nil {
		var oe *oauthError
		if errors.As(err, &oe) {
			writeError(w, oe)
			return
		}
		s.log.ErrorContext(r.Context(), "oauth: registering a client", "err", err)
		writeError(w, errorf(http.StatusServiceUnavailable, "temporarily_unavailable", "try again shortly"))
		return
	}
	s.log.InfoContext(r.Context(), "oauth: client registered", "client_id", c.ID, "client_name", c.Name, "redirect_uris", strings.Join(c.RedirectURIs, " "), "remote", src)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, s.registrationOf(c))
}

// Register checks client metadata and stores a new client of a kind
// (dynamic, or static when an admin makes one).
func (s *Server) Register(ctx context.Context, md *oauthex.ClientRegistrationMetadata, kind, src string) (*store.OAuthClient, error) {
	name, err := s.checkMetadata(md)
	if err != nil {
		return nil, err
	}
	md.ClientName = name
	md.TokenEndpointAuthMethod = "none"
	if len(md.GrantTypes) == 0 {
		md.GrantTypes = []string{"authorization_code", "refresh_token"}
	}
	if len(md.ResponseTypes) == 0 {
		md.ResponseTypes = []string{"code"}
	}
	md.Scope = Scope
	// Display only, never fetched; and nothing secret is echoed.
	md.JWKS, md.JWKSURI, md.SoftwareStatement = "", "", ""
	raw, err := json.Marshal(md)
	if err != nil {
		return nil, err
	}
	c := &store.OAuthClient{ID: newSecret(ClientIDPrefix), Kind: kind, Name: name, RedirectURIs: md.RedirectURIs, Metadata: string(raw), CreatedIP: src, CreatedAt: s.now()}
	if err := s.store.CreateOAuthClient(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

func (s *Server) registrationOf(c *store.OAuthClient) *registration {
	out := &registration{ClientID: c.ID, ClientIDIssuedAt: c.CreatedAt.Unix(), RegistrationClientURI: s.issuer + RegisterPath + "/" + c.ID}
	_ = json.Unmarshal([]byte(c.Metadata), &out.ClientRegistrationMetadata)
	return out
}

// handleRegistration reads a registered client back (RFC 7592 read; the
// metadata is not secret and there is no client secret to show).
func (s *Server) handleRegistration(w http.ResponseWriter, r *http.Request) {
	if publicCORS(w, r, "GET") {
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET, OPTIONS")
		writeError(w, errorf(http.StatusMethodNotAllowed, "invalid_request", "only GET is supported"))
		return
	}
	c, err := s.store.GetOAuthClient(r.Context(), r.PathValue("id"))
	if err != nil || c.Kind == store.OAuthClientMetadata {
		writeError(w, errorf(http.StatusUnauthorized, "invalid_client", "no such registered client"))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, s.registrationOf(c))
}

// ClientMetadataError gives the message of a refused registration (bad
// redirect URIs, unsupported metadata), for other front ends.
func ClientMetadataError(err error) (string, bool) {
	var oe *oauthError
	if errors.As(err, &oe) {
		return oe.Description, true
	}
	return "", false
}
