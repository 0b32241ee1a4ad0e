package oauth_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/oauth"
	"github.com/patchbay-dev/patchbay/internal/store/sqlstore"
)

// docServer serves client metadata documents over TLS; each path picks a
// behaviour.
type docServer struct {
	*httptest.Server
	hits atomic.Int32
}

func newDocServer(t *testing.T) *docServer {
	d := &docServer{}
	d.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.hits.Add(1)
		self := "https://" + r.Host + r.URL.Path
		doc := func(clientID, cc string) {
			if cc != "" {
				w.Header().Set("Cache-Control", cc)
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"client_id":%q,"client_name":"Doc client","redirect_uris":["http://127.0.0.1:7000/cb"],"token_endpoint_auth_method":"none"}`, clientID)
		}
		switch r.URL.Path {
		case "/good.json":
			doc(self, "max-age=300")
		case "/nostore.json":
			doc(self, "no-store")
		case "/mismatch.json":
			doc(self+"x", "")
		case "/huge.json":
			w.Write(bytes.Repeat([]byte(" "), 70<<10))
		case "/redirect.json":
			http.Redirect(w, r, "/good.json", http.StatusFound)
		case "/bad-redirect-uri.json":
			fmt.Fprintf(w, `{"client_id":%q,"redirect_uris":["https://evil.example/cb"]}`, self)
		case "/slow.json":
			time.Sleep(1500 * time.Millisecond)
			doc(self, "")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(d.Close)
	return d
}

func newAS(t *testing.T, d *docServer, allowLoopback bool) *oauth.Server {
	s, _ := newASOn(t, d.Certificate(), allowLoopback, time.Second)
	return s
}

// newASOn is an authorization server on a fresh store that trusts cert
// for metadata documents.
func newASOn(t *testing.T, cert *x509.Certificate, allowLoopback bool, timeout time.Duration) (*oauth.Server, *sqlstore.DB) {
	t.Helper()
	cipher, _ := credentials.NewCipher(bytes.Repeat([]byte{3}, 32))
	db, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"), cipher)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	s, err := oauth.New(oauth.Config{Store: db, PublicURL: "https://pb.example", CIMD: oauth.CIMDConfig{RootCAs: pool, AllowLoopback: allowLoopback, Timeout: timeout}})
	if err != nil {
		t.Fatal(err)
	}
	return s, db
}

func authQuery(clientID string) url.Values {
	_, challenge := pkce()
	return url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {"http://127.0.0.1:7000/cb"},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}, "resource": {"https://pb.example/mcp/oauth"}}
}

func TestMetadataDocuments(t *testing.T) {
	d := newDocServer(t)
	s := newAS(t, d, true)
	ctx := context.Background()

	good := d.URL + "/good.json"
	req, err := s.ParseAuthorize(ctx, authQuery(good))
	if err != nil {
		t.Fatalf("a good document: %v", err)
	}
	if req.Client.Name != "Doc client" || req.Client.ID != good {
		t.Errorf("client = %+v", req.Client)
	}
	hits := d.hits.Load()
	if _, err := s.ParseAuthorize(ctx, authQuery(good)); err != nil {
		t.Fatal(err)
	}
	if d.hits.Load() != hits {
		t.Error("a document with max-age=300 was fetched again at once")
	}
	nostore := d.URL + "/nostore.json"
	for i := 0; i < 2; i++ {
		if _, err := s.ParseAuthorize(ctx, authQuery(nostore)); err != nil {
			t.Fatal(err)
		}
	}
	if d.hits.Load() != hits+2 {
		t.Errorf("a no-store document was fetched %d times for two requests, want 2", d.hits.Load()-hits)
	}
	// A redirect URI the document does not list is refused before any redirect.
	q := authQuery(good)
	q.Set("redirect_uri", "http://127.0.0.1:7000/other")
	if _, err := s.ParseAuthorize(ctx, q); !isPageError(err) {
		t.Errorf("unlisted redirect URI: %v", err)
	}
	for name, id := range map[string]string{
		"client_id mismatch":           d.URL + "/mismatch.json",
		"over 64 KiB":                  d.URL + "/huge.json",
		"redirected":                   d.URL + "/redirect.json",
		"not found":                    d.URL + "/missing.json",
		"redirect URI not allowed":     d.URL + "/bad-redirect-uri.json",
		"too slow":                     d.URL + "/slow.json",
		"no path":                      d.URL + "/",
		"a query":                      d.URL + "/good.json?x=1",
		"dot segments":                 d.URL + "/a/../good.json",
		"plain http is not a document": strings.Replace(good, "https://", "http://", 1),
		"a name the certificate lacks": strings.Replace(good, "127.0.0.1", "localhost", 1),
	} {
		if _, err := s.ParseAuthorize(ctx, authQuery(id)); !isPageError(err) {
			t.Errorf("%s: %v, want a refused client (no redirect)", name, err)
		}
	}
}

// Without the test-only loopback allowance, the fetcher refuses loopback
// by the address it dials.
func TestMetadataDocumentsRefusePrivateAddresses(t *testing.T) {
	d := newDocServer(t)
	s := newAS(t, d, false)
	hits := d.hits.Load()
	_, err := s.ParseAuthorize(context.Background(), authQuery(d.URL+"/good.json"))
	if !isPageError(err) {
		t.Fatalf("a loopback document: %v, want refused", err)
	}
	if d.hits.Load() != hits {
		t.Error("the loopback server was reached")
	}
}

func isPageError(err error) bool {
	var ae *oauth.AuthError
	return errors.As(err, &ae) && !ae.Redirect && ae.Code != ""
}
