package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/patchbay-dev/patchbay/internal/store"
)

func testSettings(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, err := s.GetSetting(ctx, "admin_password"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unset setting = %v, want ErrNotFound", err)
	}
	if err := s.CreateSetting(ctx, "admin_password", "h1"); err != nil {
		t.Fatal(err)
	}
	// The first writer wins a first-run race; the second learns it lost.
	if err := s.CreateSetting(ctx, "admin_password", "h2"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second CreateSetting = %v, want ErrConflict", err)
	}
	if v, err := s.GetSetting(ctx, "admin_password"); err != nil || v != "h1" {
		t.Fatalf("GetSetting = %q, %v; want h1", v, err)
	}
	if err := s.SetSetting(ctx, "admin_password", "h3"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSetting(ctx, "other", "x"); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.GetSetting(ctx, "admin_password"); v != "h3" {
		t.Errorf("after SetSetting: %q, want h3", v)
	}
	if v, _ := s.GetSetting(ctx, "other"); v != "x" {
		t.Errorf("other setting = %q", v)
	}
}

func testSessions(t *testing.T, s store.Store) {
	ctx := context.Background()
	base := time.Now().UTC().Truncate(time.Millisecond)
	live := &store.Session{TokenHash: "live", Via: "password:1", ExpiresAt: base.Add(time.Hour)}
	old := &store.Session{TokenHash: "old", Via: "api_token:x", ExpiresAt: base.Add(-time.Minute)}
	for _, sess := range []*store.Session{live, old} {
		if err := s.CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
		if sess.ID == "" || sess.CreatedAt.IsZero() {
			t.Fatalf("CreateSession did not fill id/created: %+v", sess)
		}
	}
	if err := s.CreateSession(ctx, &store.Session{TokenHash: "live", Via: "p", ExpiresAt: base}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate hash = %v, want ErrConflict", err)
	}
	got, err := s.SessionByHash(ctx, "live")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != live.ID || got.Via != "password:1" || !got.ExpiresAt.Equal(live.ExpiresAt) {
		t.Errorf("SessionByHash = %+v, want %+v", got, live)
	}
	if got.Expired(base) || !got.Expired(base.Add(time.Hour)) {
		t.Errorf("Expired is wrong around %v", got.ExpiresAt)
	}
	if _, err := s.SessionByHash(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown session = %v", err)
	}
	n, err := s.DeleteExpiredSessions(ctx, base)
	if err != nil || n != 1 {
		t.Fatalf("DeleteExpiredSessions = %d, %v; want 1", n, err)
	}
	if _, err := s.SessionByHash(ctx, "old"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired session survived: %v", err)
	}
	if err := s.DeleteSession(ctx, live.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionByHash(ctx, "live"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted session still found: %v", err)
	}
	if err := s.DeleteSession(ctx, live.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleting twice = %v, want ErrNotFound", err)
	}
}
