package oauth

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"github.com/patchbay-dev/patchbay/internal/store"
)

// Client is a client as the authorization server uses it.
type Client struct {
	*store.OAuthClient
	// Refresh: the client may get refresh tokens (its grant_types allow
	// refresh_token; the default). No offline_access scope is needed.
	Refresh bool
	// fetched: a metadata document fetched for this request, stored only
	// once the whole authorization request is valid.
	fetched bool
}

// maxFetching bounds metadata document fetches in flight: each is an
// outbound request to a host a client chose.
const maxFetching = 8

// errUnknownClient: no such client, or its metadata document is unusable.
type clientError struct{ msg string }

func (e *clientError) Error() string { return e.msg }

// isMetadataURL tells a Client ID Metadata Document id from the others.
func isMetadataURL(id string) bool { return strings.HasPrefix(id, "https://") }

// client finds a client by id: a registered or static one from the store,
// or a metadata document, fetched when its cached copy is stale.
func (s *Server) client(ctx context.Context, id string) (*Client, error) {
	if id == "" || len(id) > 2048 {
		return nil, &clientError{"client_id is missing or too long"}
	}
	c, err := s.store.GetOAuthClient(ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if isMetadataURL(id) && (c == nil || c.ExpiresAt == nil || !s.now().Before(*c.ExpiresAt)) {
		// A document not seen before counts against its source, like a
		// registration; refreshing a known one does not.
		if c == nil {
			if ok, _ := s.documents.allow(sourceOf(ctx)); !ok {
				return nil, &clientError{"too many new client metadata documents from this address; try again later"}
			}
		}
		select {
		case s.fetching <- struct{}{}:
		default:
			return nil, &clientError{"too many client metadata documents are being fetched; try again shortly"}
		}
		c, err = s.fetchMetadata(ctx, id)
		<-s.fetching
		if err != nil {
			return nil, err
		}
		cl := withGrantTypes(c)
		cl.fetched = true
		return cl, nil
	}
	if c == nil {
		return nil, &clientError{"unknown client_id; register the client first"}
	}
	return withGrantTypes(c), nil
}

type sourceKey struct{}

// WithSource tells ParseAuthorize which address the request came from, for
// the per-source limit on new metadata documents.
func WithSource(ctx context.Context, src string) context.Context {
	return context.WithValue(ctx, sourceKey{}, src)
}

func sourceOf(ctx context.Context) string {
	src, _ := ctx.Value(sourceKey{}).(string)
	return src
}

// storedClient finds a client without fetching (the token endpoint: the
// code or grant already proves the client was valid).
func (s *Server) storedClient(ctx context.Context, id string) (*Client, error) {
	c, err := s.store.GetOAuthClient(ctx, id)
	if err != nil {
		return nil, err
	}
	return withGrantTypes(c), nil
}

func withGrantTypes(c *store.OAuthClient) *Client {
	var md struct {
		GrantTypes []string `json:"grant_types"`
	}
	_ = json.Unmarshal([]byte(c.Metadata), &md)
	return &Client{OAuthClient: c, Refresh: len(md.GrantTypes) == 0 || slices.Contains(md.GrantTypes, "refresh_token")}
}

// checkMetadata validates client metadata (a registration or a metadata
// document) and returns the cleaned name.
func (s *Server) checkMetadata(md *oauthex.ClientRegistrationMetadata) (string, error) {
	if len(md.RedirectURIs) == 0 {
		return "", errorf(http.StatusBadRequest, "invalid_redirect_uri", "redirect_uris is required")
	}
	if len(md.RedirectURIs) > 20 {
		return "", errorf(http.StatusBadRequest, "invalid_redirect_uri", "at most 20 redirect_uris")
	}
	for _, u := range md.RedirectURIs {
		if len(u) > 2000 {
			return "", errorf(http.StatusBadRequest, "invalid_redirect_uri", "a redirect URI is longer than 2000 characters")
		}
		if err := s.redirects.Allows(u); err != nil {
			return "", errorf(http.StatusBadRequest, "invalid_redirect_uri", "%v", err)
		}
	}
	switch md.TokenEndpointAuthMethod {
	case "", "none":
	case "client_secret_basic", "client_secret_post":
		// Public clients only: answered with "none" and no secret, which
		// RFC 7591 lets the server decide.
	default:
		return "", errorf(http.StatusBadRequest, "invalid_client_metadata", "token_endpoint_auth_method %q is not supported; use none (public client with PKCE)", md.TokenEndpointAuthMethod)
	}
	for _, g := range md.GrantTypes {
		if g != "authorization_code" && g != "refresh_token" {
			return "", errorf(http.StatusBadRequest, "invalid_client_metadata", "grant type %q is not supported", g)
		}
	}
	if len(md.GrantTypes) > 0 && !slices.Contains(md.GrantTypes, "authorization_code") {
		return "", errorf(http.StatusBadRequest, "invalid_client_metadata", "grant_types must include authorization_code")
	}
	for _, rt := range md.ResponseTypes {
		if rt != "code" {
			return "", errorf(http.StatusBadRequest, "invalid_client_metadata", "response type %q is not supported", rt)
		}
	}
	return cleanName(md.ClientName), nil
}

// cleanName keeps a client name displayable: printable, one line, short.
func cleanName(n string) string {
	n = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r) {
			return -1
		}
		return r
	}, strings.TrimSpace(n))
	if r := []rune(n); len(r) > 100 {
		n = string(r[:100]) + "…"
	}
	return n
}

// ---- Client ID Metadata Documents ----

// checkMetadataURL applies the CIMD rules to a client_id URL.
func checkMetadataURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Fragment != "" || u.RawQuery != "" || strings.Contains(raw, "#") {
		return nil, &clientError{"a client_id URL must be https, with a path and no query, fragment or user info"}
	}
	if u.Path == "" || u.Path == "/" {
		return nil, &clientError{"a client_id URL must have a path"}
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == "." || seg == ".." {
			return nil, &clientError{"a client_id URL must not have dot segments"}
		}
	}
	return u, nil
}

// metadataDoc is a Client ID Metadata Document: client metadata plus the
// client_id naming the document itself.
type metadataDoc struct {
	ClientID string `json:"client_id"`
	oauthex.ClientRegistrationMetadata
}

// fetchMetadata fetches and checks a metadata document; the caller stores
// it once the request that named it is valid.
func (s *Server) fetchMetadata(ctx context.Context, id string) (*store.OAuthClient, error) {
	u, err := checkMetadataURL(id)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.CIMD.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &clientError{"bad client_id URL"}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Patchbay-OAuth (client metadata fetch)")
	res, err := s.fetcher.Do(req)
	if err != nil {
		s.log.WarnContext(ctx, "oauth: fetching a client metadata document", "client_id", id, "err", err)
		return nil, &clientError{"the client metadata document could not be fetched"}
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, &clientError{fmt.Sprintf("the client metadata document answered HTTP %d", res.StatusCode)}
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, s.cfg.CIMD.MaxBytes+1))
	if err != nil {
		return nil, &clientError{"the client metadata document could not be read"}
	}
	if int64(len(body)) > s.cfg.CIMD.MaxBytes {
		return nil, &clientError{fmt.Sprintf("the client metadata document is larger than %d bytes", s.cfg.CIMD.MaxBytes)}
	}
	var doc metadataDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, &clientError{"the client metadata document is not valid client metadata JSON"}
	}
	if doc.ClientID != id {
		return nil, &clientError{"the client metadata document's client_id is not the URL it was fetched from"}
	}
	name, err := s.checkMetadata(&doc.ClientRegistrationMetadata)
	if err != nil {
		return nil, &clientError{"the client metadata document: " + err.(*oauthError).Description}
	}
	if name == "" {
		name = u.Hostname()
	}
	until := s.now().Add(cacheLifetime(res.Header.Get("Cache-Control")))
	return &store.OAuthClient{ID: id, Kind: store.OAuthClientMetadata, Name: name, RedirectURIs: doc.RedirectURIs, Metadata: string(body), ExpiresAt: &until}, nil
}

// cacheLifetime reads Cache-Control: max-age (at most a day), none for
// no-store/no-cache, an hour when the header says nothing.
func cacheLifetime(cc string) time.Duration {
	const maxAge = 24 * time.Hour
	for _, d := range strings.Split(strings.ToLower(cc), ",") {
		d = strings.TrimSpace(d)
		switch {
		case d == "no-store" || d == "no-cache":
			return 0
		case strings.HasPrefix(d, "max-age="):
			n, err := strconv.Atoi(strings.Trim(d[len("max-age="):], `"`))
			if err != nil || n < 0 {
				return 0
			}
			return min(time.Duration(n)*time.Second, maxAge)
		}
	}
	return time.Hour
}

// newFetcher builds the metadata document client: https only, no proxy,
// no redirects, and a dialer that refuses non-public addresses by the IP
// actually dialed (so DNS tricks cannot reach the inside).
func newFetcher(cfg CIMDConfig) *http.Client {
	dialer := &net.Dialer{
		Timeout: cfg.Timeout,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("refusing to dial %s", address)
			}
			if !publicAddr(ap.Addr()) && !(cfg.AllowLoopback && ap.Addr().Unmap().IsLoopback()) {
				return fmt.Errorf("refusing to fetch client metadata from non-public address %s", ap.Addr())
			}
			return nil
		},
	}
	tr := &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: cfg.RootCAs},
		TLSHandshakeTimeout:    cfg.Timeout,
		ResponseHeaderTimeout:  cfg.Timeout,
		MaxIdleConns:           4,
		IdleConnTimeout:        30 * time.Second,
		MaxResponseHeaderBytes: 16 << 10,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return errors.New("client metadata documents are not fetched through redirects")
		},
	}
}
