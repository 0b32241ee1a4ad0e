package storetest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// RunOAuthServer is the contract of the OAuth authorization server's
// tables (store.OAuthServerStore), run by each implementation's tests.
func RunOAuthServer(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Clients", testOAuthClients},
		{"CodeSingleUse", testOAuthCodeSingleUse},
		{"GrantsAndTokens", testOAuthGrants},
		{"RefreshRotation", testOAuthRotation},
		{"RefreshConcurrent", testOAuthRotationConcurrent},
		{"Sweep", testOAuthSweep},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

func ptr(t time.Time) *time.Time { return &t }

func msTime(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

func testOAuthClients(t *testing.T, s store.Store) {
	ctx := context.Background()
	c := &store.OAuthClient{ID: "pbc_one", Kind: store.OAuthClientDynamic, Name: "Claude", RedirectURIs: []string{"https://claude.ai/api/mcp/auth_callback"}, Metadata: `{"client_name":"Claude"}`, CreatedIP: "192.0.2.1"}
	if err := s.CreateOAuthClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateOAuthClient(ctx, &store.OAuthClient{ID: "pbc_one", Kind: store.OAuthClientDynamic, Metadata: "{}"}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate id = %v, want ErrConflict", err)
	}
	got, err := s.GetOAuthClient(ctx, "pbc_one")
	if err != nil || got.Name != "Claude" || len(got.RedirectURIs) != 1 || got.CreatedIP != "192.0.2.1" || got.ExpiresAt != nil || got.Metadata != c.Metadata {
		t.Fatalf("GetOAuthClient = %+v, %v", got, err)
	}
	// Put creates, then replaces (a metadata document fetched again).
	exp := msTime(time.Now().Add(time.Hour))
	doc := &store.OAuthClient{ID: "https://app.example/client.json", Kind: store.OAuthClientMetadata, Name: "v1", RedirectURIs: []string{"https://app.example/cb"}, Metadata: "{}", ExpiresAt: &exp}
	if err := s.PutOAuthClient(ctx, doc); err != nil {
		t.Fatal(err)
	}
	doc.Name, doc.RedirectURIs = "v2", []string{"https://app.example/cb2"}
	if err := s.PutOAuthClient(ctx, doc); err != nil {
		t.Fatal(err)
	}
	got, err = s.GetOAuthClient(ctx, doc.ID)
	if err != nil || got.Name != "v2" || got.RedirectURIs[0] != "https://app.example/cb2" || got.ExpiresAt == nil || !got.ExpiresAt.Equal(exp) {
		t.Fatalf("after Put = %+v, %v", got, err)
	}
	if l, err := s.ListOAuthClients(ctx, store.OAuthClientMetadata); err != nil || len(l) != 1 || l[0].ID != doc.ID {
		t.Fatalf("ListOAuthClients(cimd) = %v, %v", l, err)
	}
	if l, _ := s.ListOAuthClients(ctx, ""); len(l) != 2 {
		t.Fatalf("ListOAuthClients() = %d clients, want 2", len(l))
	}
	// Deleting a client takes its grants and tokens along.
	g := &store.OAuthGrant{ClientID: "pbc_one", ServerID: "srv", ResourceHash: "rh", Scope: "mcp", ApprovedVia: "v", ExpiresAt: time.Now().Add(time.Hour)}
	if err := s.CreateOAuthGrant(ctx, g, "", []*store.OAuthToken{{Hash: "at1", Kind: store.OAuthAccessToken, ExpiresAt: time.Now().Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteOAuthClient(ctx, "pbc_one"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetOAuthClient(ctx, "pbc_one"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted client still there: %v", err)
	}
	if _, _, err := s.OAuthTokenByHash(ctx, "at1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("token of a deleted client still there: %v", err)
	}
	if err := s.DeleteOAuthClient(ctx, "pbc_one"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete = %v, want ErrNotFound", err)
	}
}

func newCode(hash string, expires time.Time) *store.OAuthCode {
	return &store.OAuthCode{Hash: hash, ClientID: "pbc_c", ClientName: "C", RedirectURI: "http://127.0.0.1:3000/cb", Challenge: "ch",
		Resource: "https://pb.example/mcp/oauth", ResourceHash: "rh", Scope: "mcp", ServerID: "srv", ApprovedVia: "api_token:x", ApprovedBy: "API token demo", ExpiresAt: expires}
}

func testOAuthCodeSingleUse(t *testing.T, s store.Store) {
	ctx := context.Background()
	now := time.Now()
	if err := s.CreateOAuthCode(ctx, newCode("c1", now.Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	var fresh, replays atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, ok, err := s.UseOAuthCode(ctx, "c1", now)
			switch {
			case err != nil:
				t.Error(err)
			case c.UsedAt == nil || c.RedirectURI != "http://127.0.0.1:3000/cb":
				t.Errorf("used code = %+v", c)
			case ok:
				fresh.Add(1)
			default:
				replays.Add(1)
			}
		}()
	}
	wg.Wait()
	if fresh.Load() != 1 || replays.Load() != 7 {
		t.Fatalf("%d exchanges spent the code and %d saw a replay, want 1 and 7", fresh.Load(), replays.Load())
	}
	again, ok, err := s.UseOAuthCode(ctx, "c1", now.Add(time.Second))
	if err != nil || ok || again.UsedAt == nil || !again.UsedAt.Equal(msTime(now)) {
		t.Fatalf("replay = %+v, %v, %v; want the first use's time", again, ok, err)
	}
	// Expired and unknown codes are not found.
	if err := s.CreateOAuthCode(ctx, newCode("c3", now.Add(-time.Second))); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.UseOAuthCode(ctx, "c3", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired code = %v, want ErrNotFound", err)
	}
	if _, _, err := s.UseOAuthCode(ctx, "nope", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown code = %v, want ErrNotFound", err)
	}
}

func newGrant(server string) *store.OAuthGrant {
	return &store.OAuthGrant{ClientID: "pbc_c", ClientName: "C", ServerID: server, Resource: "https://pb.example/mcp/oauth/" + server,
		ResourceHash: credentials.HashToken("https://pb.example/mcp/oauth/" + server), Scope: "mcp", ApprovedVia: "api_token:x", ApprovedBy: "API token demo",
		ExpiresAt: time.Now().Add(30 * 24 * time.Hour)}
}

func testOAuthGrants(t *testing.T, s store.Store) {
	ctx := context.Background()
	now := time.Now()
	if err := s.CreateOAuthCode(ctx, newCode("code", now.Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	g := newGrant("srv-a")
	toks := []*store.OAuthToken{
		{Hash: "a1", Kind: store.OAuthAccessToken, ExpiresAt: now.Add(time.Hour)},
		{Hash: "r1", Kind: store.OAuthRefreshToken, ExpiresAt: now.Add(30 * 24 * time.Hour)},
	}
	if err := s.CreateOAuthGrant(ctx, g, "code", toks); err != nil {
		t.Fatal(err)
	}
	if g.ID == "" || toks[0].GrantID != g.ID {
		t.Fatalf("grant id not filled: %+v %+v", g, toks[0])
	}
	c, _, err := s.UseOAuthCode(ctx, "code", now)
	if err != nil || c.GrantID != g.ID {
		t.Fatalf("code not linked to its grant: %+v, %v", c, err)
	}
	tok, grant, err := s.OAuthTokenByHash(ctx, "a1")
	if err != nil || tok.Kind != store.OAuthAccessToken || grant.ID != g.ID || grant.ServerID != "srv-a" || grant.ResourceHash != g.ResourceHash || grant.ApprovedVia != "api_token:x" {
		t.Fatalf("OAuthTokenByHash = %+v %+v %v", tok, grant, err)
	}
	if !tok.ExpiresAt.Equal(msTime(now.Add(time.Hour))) {
		t.Errorf("token expiry %v", tok.ExpiresAt)
	}
	other := newGrant("srv-b")
	other.ClientID = "pbc_d"
	if err := s.CreateOAuthGrant(ctx, other, "", nil); err != nil {
		t.Fatal(err)
	}
	if l, err := s.ListOAuthGrants(ctx, store.OAuthGrantFilter{ServerID: "srv-a"}); err != nil || len(l) != 1 || l[0].ID != g.ID {
		t.Fatalf("ListOAuthGrants(server) = %v, %v", l, err)
	}
	if l, _ := s.ListOAuthGrants(ctx, store.OAuthGrantFilter{ClientID: "pbc_d"}); len(l) != 1 || l[0].ID != other.ID {
		t.Fatalf("ListOAuthGrants(client) = %v", l)
	}
	if l, _ := s.ListOAuthGrants(ctx, store.OAuthGrantFilter{}); len(l) != 2 {
		t.Fatalf("ListOAuthGrants() = %d, want 2", len(l))
	}
	if got, err := s.GetOAuthGrant(ctx, g.ID); err != nil || got.ClientName != "C" {
		t.Fatalf("GetOAuthGrant = %+v, %v", got, err)
	}
	if err := s.DeleteOAuthToken(ctx, "a1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.OAuthTokenByHash(ctx, "a1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted token found: %v", err)
	}
	if err := s.RevokeOAuthGrant(ctx, g.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.OAuthTokenByHash(ctx, "r1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("token of a revoked grant found: %v", err)
	}
	if err := s.RevokeOAuthGrant(ctx, g.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second revoke = %v, want ErrNotFound", err)
	}
}

func testOAuthRotation(t *testing.T, s store.Store) {
	ctx := context.Background()
	now := time.Now()
	g := newGrant("srv")
	if err := s.CreateOAuthGrant(ctx, g, "", []*store.OAuthToken{
		{Hash: "r1", Kind: store.OAuthRefreshToken, ExpiresAt: now.Add(time.Hour)},
		{Hash: "a1", Kind: store.OAuthAccessToken, ExpiresAt: now.Add(time.Hour)},
	}); err != nil {
		t.Fatal(err)
	}
	const grace = 30 * time.Second
	next := func(n string) []*store.OAuthToken {
		return []*store.OAuthToken{
			{Hash: "r" + n, Kind: store.OAuthRefreshToken, ExpiresAt: now.Add(2 * time.Hour)},
			{Hash: "a" + n, Kind: store.OAuthAccessToken, ExpiresAt: now.Add(2 * time.Hour)},
		}
	}
	newExpiry := now.Add(2 * time.Hour)
	if err := s.RotateOAuthRefresh(ctx, "r1", now, grace, newExpiry, next("2")); err != nil {
		t.Fatal(err)
	}
	tok, grant, err := s.OAuthTokenByHash(ctx, "r2")
	if err != nil || grant.ID != g.ID || !grant.ExpiresAt.Equal(msTime(newExpiry)) || !grant.LastUsedAt.Equal(msTime(now)) {
		t.Fatalf("successor = %+v %+v %v", tok, grant, err)
	}
	if old, _, _ := s.OAuthTokenByHash(ctx, "r1"); old == nil || old.UsedAt == nil {
		t.Fatalf("spent token not marked: %+v", old)
	}
	// Within the grace window: a concurrent refresh gets its own pair.
	if err := s.RotateOAuthRefresh(ctx, "r1", now.Add(grace/2), grace, newExpiry, next("3")); err != nil {
		t.Fatalf("reuse within grace = %v", err)
	}
	// An access token is not a refresh token.
	if err := s.RotateOAuthRefresh(ctx, "a2", now, grace, newExpiry, next("x")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("rotating an access token = %v, want ErrNotFound", err)
	}
	if err := s.RotateOAuthRefresh(ctx, "unknown", now, grace, newExpiry, next("y")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("rotating an unknown token = %v, want ErrNotFound", err)
	}
	// An expired refresh token cannot be spent.
	if err := s.RotateOAuthRefresh(ctx, "r2", now.Add(3*time.Hour), grace, newExpiry, next("z")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("rotating an expired token = %v, want ErrNotFound", err)
	}
	// After the grace window: reuse revokes the whole grant.
	if err := s.RotateOAuthRefresh(ctx, "r1", now.Add(2*grace), grace, newExpiry, next("4")); !errors.Is(err, store.ErrReused) {
		t.Fatalf("reuse after grace = %v, want ErrReused", err)
	}
	for _, h := range []string{"r2", "a2", "r3", "a3", "r4"} {
		if _, _, err := s.OAuthTokenByHash(ctx, h); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("token %s survived the reuse: %v", h, err)
		}
	}
	if _, err := s.GetOAuthGrant(ctx, g.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("grant survived the reuse: %v", err)
	}
}

func testOAuthRotationConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	now := time.Now()
	g := newGrant("srv")
	if err := s.CreateOAuthGrant(ctx, g, "", []*store.OAuthToken{{Hash: "r0", Kind: store.OAuthRefreshToken, ExpiresAt: now.Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var ok atomic.Int32
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			h := string(rune('a' + i))
			err := s.RotateOAuthRefresh(ctx, "r0", now, 30*time.Second, now.Add(time.Hour),
				[]*store.OAuthToken{{Hash: "rr" + h, Kind: store.OAuthRefreshToken, ExpiresAt: now.Add(time.Hour)}})
			if err != nil {
				t.Errorf("concurrent refresh %d: %v", i, err)
				return
			}
			ok.Add(1)
		}(i)
	}
	wg.Wait()
	if ok.Load() != 6 {
		t.Fatalf("%d of 6 concurrent refreshes succeeded", ok.Load())
	}
	if _, err := s.GetOAuthGrant(ctx, g.ID); err != nil {
		t.Fatalf("concurrent refreshes revoked the grant: %v", err)
	}
}

func testOAuthSweep(t *testing.T, s store.Store) {
	ctx := context.Background()
	now := time.Now()
	a := mustAccount(t, s, "acme")
	srv := &store.Server{AccountID: a.ID, Name: "live", TokenHash: "th-live"}
	if err := s.CreateServer(ctx, srv); err != nil {
		t.Fatal(err)
	}
	old := now.Add(-48 * time.Hour)
	clients := []*store.OAuthClient{
		{ID: "dcr-unused-old", Kind: store.OAuthClientDynamic, Metadata: "{}", CreatedAt: old},
		{ID: "dcr-unused-new", Kind: store.OAuthClientDynamic, Metadata: "{}", CreatedAt: now},
		{ID: "dcr-used-old", Kind: store.OAuthClientDynamic, Metadata: "{}", CreatedAt: old},
		{ID: "static-old", Kind: store.OAuthClientStatic, Metadata: "{}", CreatedAt: old},
		{ID: "https://a.example/doc", Kind: store.OAuthClientMetadata, Metadata: "{}", ExpiresAt: ptr(now.Add(-time.Minute))},
		{ID: "https://b.example/doc", Kind: store.OAuthClientMetadata, Metadata: "{}", ExpiresAt: ptr(now.Add(time.Hour))},
	}
	for _, c := range clients {
		if err := s.CreateOAuthClient(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	live := newGrant(srv.ID)
	live.ClientID = "dcr-used-old"
	if err := s.CreateOAuthGrant(ctx, live, "", []*store.OAuthToken{
		{Hash: "live-at", Kind: store.OAuthAccessToken, ExpiresAt: now.Add(time.Hour)},
		{Hash: "dead-at", Kind: store.OAuthAccessToken, ExpiresAt: now.Add(-time.Second)},
	}); err != nil {
		t.Fatal(err)
	}
	orphan := newGrant("deleted-server")
	if err := s.CreateOAuthGrant(ctx, orphan, "", []*store.OAuthToken{{Hash: "orphan-at", Kind: store.OAuthAccessToken, ExpiresAt: now.Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	expired := newGrant(srv.ID)
	expired.ExpiresAt = now.Add(-time.Second)
	if err := s.CreateOAuthGrant(ctx, expired, "", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateOAuthCode(ctx, newCode("old-code", now.Add(-time.Second))); err != nil {
		t.Fatal(err)
	}
	n, err := s.SweepOAuth(ctx, now, now.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// old-code, orphan + expired grants, dead-at + orphan-at, dcr-unused-old, a.example.
	if n != 7 {
		t.Errorf("swept %d rows, want 7", n)
	}
	for id, want := range map[string]bool{"dcr-unused-old": false, "dcr-unused-new": true, "dcr-used-old": true, "static-old": true, "https://a.example/doc": false, "https://b.example/doc": true} {
		_, err := s.GetOAuthClient(ctx, id)
		if (err == nil) != want {
			t.Errorf("client %s kept = %v, want %v", id, err == nil, want)
		}
	}
	for h, want := range map[string]bool{"live-at": true, "dead-at": false, "orphan-at": false} {
		_, _, err := s.OAuthTokenByHash(ctx, h)
		if (err == nil) != want {
			t.Errorf("token %s kept = %v, want %v", h, err == nil, want)
		}
	}
	if _, err := s.GetOAuthGrant(ctx, orphan.ID); !errors.Is(err, store.ErrNotFound) {
		t.Error("grant of a deleted server survived the sweep")
	}
	if _, err := s.GetOAuthGrant(ctx, expired.ID); !errors.Is(err, store.ErrNotFound) {
		t.Error("expired grant survived the sweep")
	}
}
