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

func testAccountByExternalID(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := newAccount("acme")
	a.ExternalID = "portal-17"
	if err := s.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	mustAccount(t, s, "other")
	got, err := s.AccountByExternalID(ctx, "bramble", "portal-17")
	if err != nil || got.ID != a.ID {
		t.Fatalf("AccountByExternalID = %v, %v", got, err)
	}
	for _, tc := range [][2]string{{"bramble", "portal-18"}, {"other", "portal-17"}, {"bramble", ""}} {
		if _, err := s.AccountByExternalID(ctx, tc[0], tc[1]); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("AccountByExternalID(%q, %q) = %v, want ErrNotFound", tc[0], tc[1], err)
		}
	}
}

func testRefreshLease(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := mustAccount(t, s, "acme")
	now := time.Now()
	// Many racers, one winner.
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.AcquireRefreshLease(ctx, a.ID, now, now.Add(30*time.Second))
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d racers got the lease, want 1", wins.Load())
	}
	// An expired lease can be taken over (its holder died).
	if ok, _ := s.AcquireRefreshLease(ctx, a.ID, now.Add(31*time.Second), now.Add(60*time.Second)); !ok {
		t.Error("an expired lease could not be taken over")
	}
	creds := credentials.Upstream{Type: credentials.TypeOAuth2, AccessToken: "new-at", RefreshToken: "new-rt", Expiry: now.Add(time.Hour).UTC().Truncate(time.Millisecond)}
	if err := s.StoreRefreshedCredentials(ctx, a.ID, creds, store.StatusActive); err != nil {
		t.Fatal(err)
	}
	got, _ := s.GetAccount(ctx, a.ID)
	if got.Credentials.RefreshToken != "new-rt" || !got.Credentials.Expiry.Equal(creds.Expiry) {
		t.Errorf("refreshed credentials not stored: %+v", got.Credentials)
	}
	if ok, _ := s.AcquireRefreshLease(ctx, a.ID, now, now.Add(time.Second)); !ok {
		t.Error("storing credentials did not release the lease")
	}
	if err := s.ReleaseRefreshLease(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.AcquireRefreshLease(ctx, a.ID, now, now.Add(time.Second)); !ok {
		t.Error("ReleaseRefreshLease did not release")
	}
	if err := s.StoreRefreshedCredentials(ctx, "missing", creds, store.StatusActive); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("StoreRefreshedCredentials(missing) = %v", err)
	}
}

func testOAuthStates(t *testing.T, s store.Store) {
	ctx := context.Background()
	st := &store.OAuthState{Hash: "h1", Integration: "bramble", Scopes: []string{"contacts.read"}, Name: "Acme", ReturnTo: "/ui/", ExpiresAt: time.Now().Add(10 * time.Minute)}
	if err := s.CreateOAuthState(ctx, st); err != nil {
		t.Fatal(err)
	}
	var got *store.OAuthState
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if g, err := s.ConsumeOAuthState(ctx, "h1"); err == nil {
				wins.Add(1)
				got = g
			} else if !errors.Is(err, store.ErrNotFound) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("state consumed %d times, want once", wins.Load())
	}
	if got.Integration != "bramble" || got.Name != "Acme" || got.ReturnTo != "/ui/" || len(got.Scopes) != 1 || got.ExpiresAt.IsZero() {
		t.Errorf("state = %+v", got)
	}
}
