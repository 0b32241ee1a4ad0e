package sqlstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/store/sqlstore"
)

// ServerAccountByTokenHash is the MCP endpoint's one-query lookup; it must
// answer exactly what ServerByTokenHash and GetAccount answer.
func TestServerAccountByTokenHash(t *testing.T) {
	db, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"), testCipher(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checkServerAccountLookup(t, db)
}

func checkServerAccountLookup(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	a := &store.Account{Integration: "gong", Name: "A", BaseURL: "https://us-1.api.gong.io", Scopes: []string{"api:calls:read:basic"},
		ExternalID: "co-1", Credentials: credentials.Upstream{Type: credentials.TypeAccessKey, AccessKey: "K", AccessKeySecret: "S"}}
	if err := db.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(time.Hour)
	hash := credentials.HashToken(credentials.NewToken(credentials.MCPTokenPrefix))
	srv := &store.Server{AccountID: a.ID, Name: "S", TokenHash: hash, ExpiresAt: &exp,
		Config: store.ServerConfig{Methods: []string{"read"}, Tags: []string{"calls"}, Budget: &store.Budget{PerDay: 5}}}
	if err := db.CreateServer(ctx, srv); err != nil {
		t.Fatal(err)
	}
	gotS, gotA, err := db.ServerAccountByTokenHash(ctx, hash)
	if err != nil {
		t.Fatal(err)
	}
	wantS, err := db.ServerByTokenHash(ctx, hash)
	if err != nil {
		t.Fatal(err)
	}
	wantA, err := db.GetAccount(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotS, wantS) {
		t.Errorf("server = %+v, want %+v", gotS, wantS)
	}
	// The account's budget comes with it: none set yet.
	wantA.Budget = &store.Budget{}
	if !reflect.DeepEqual(gotA, wantA) {
		t.Errorf("account = %+v, want %+v", gotA, wantA)
	}
	if err := db.SetAccountBudget(ctx, a.ID, store.Budget{PerMinute: 7, PerDay: 90}); err != nil {
		t.Fatal(err)
	}
	if _, gotA, err = db.ServerAccountByTokenHash(ctx, hash); err != nil || gotA.Budget == nil || *gotA.Budget != (store.Budget{PerMinute: 7, PerDay: 90}) {
		t.Errorf("budget after SetAccountBudget: %+v, %v", gotA.Budget, err)
	}
	if _, _, err := db.ServerAccountByTokenHash(ctx, "no such hash"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown hash: err = %v, want ErrNotFound", err)
	}
}
