package sqlstore_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/store/sqlstore"
)

// The store calls every MCP request makes: the token lookup (server and
// account), the account's budget, and the audit log entry. Run with
// `go test -bench . -benchmem ./internal/store/sqlstore` and compare runs
// with benchstat.

type benchStore struct {
	db     *sqlstore.DB
	hashes []string // token hashes of the servers
	accts  []string
}

func newBenchStore(b *testing.B, accounts, servers int) *benchStore {
	b.Helper()
	c, err := credentials.NewCipher(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		b.Fatal(err)
	}
	db, err := sqlstore.Open(context.Background(), filepath.Join(b.TempDir(), "p.db"), c)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	ctx := context.Background()
	s := &benchStore{db: db}
	for i := range accounts {
		a := &store.Account{Integration: "gong", Name: fmt.Sprint("account ", i), BaseURL: "https://api.gong.io",
			Credentials: credentials.Upstream{Type: credentials.TypeAccessKey, AccessKey: "KEY", AccessKeySecret: "SECRET"}}
		if err := db.CreateAccount(ctx, a); err != nil {
			b.Fatal(err)
		}
		s.accts = append(s.accts, a.ID)
	}
	for i := range servers {
		h := credentials.HashToken(credentials.NewToken(credentials.MCPTokenPrefix))
		if err := db.CreateServer(ctx, &store.Server{AccountID: s.accts[i%accounts], Name: fmt.Sprint("server ", i), TokenHash: h,
			Config: store.ServerConfig{Methods: []string{"read"}}}); err != nil {
			b.Fatal(err)
		}
		s.hashes = append(s.hashes, h)
	}
	return s
}

// BenchmarkTokenLookup is the MCP endpoint's token resolution: the server
// by its token's hash, then its account (credentials decrypted).
func BenchmarkTokenLookup(b *testing.B) {
	s := newBenchStore(b, 100, 1000)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		srv, err := s.db.ServerByTokenHash(ctx, s.hashes[i%len(s.hashes)])
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.db.GetAccount(ctx, srv.AccountID); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkAccountBudget(b *testing.B) {
	s := newBenchStore(b, 10, 10)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		if _, err := s.db.AccountBudget(ctx, s.accts[i%len(s.accts)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func benchEntry(srv, acct string) *store.LogEntry {
	return &store.LogEntry{ServerID: srv, AccountID: acct, RPCMethod: "tools/call", Tool: "get_single_gong_call_by_id",
		ClientName: "bench", ClientVersion: "1", Status: "ok", HTTPStatus: 200, UpstreamStatus: 200, Duration: time.Millisecond}
}

// BenchmarkAppendLog is the audit entry every MCP request writes, alone
// and from many concurrent requests (SQLite has one writer).
func BenchmarkAppendLog(b *testing.B) {
	s := newBenchStore(b, 1, 1)
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if err := s.db.AppendLog(ctx, benchEntry("srv", s.accts[0])); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.SetParallelism(16)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := s.db.AppendLog(ctx, benchEntry("srv", s.accts[0])); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkTokenLookupJoined is the same lookup in one query
// (ServerAccountByTokenHash), as the MCP endpoint does it.
func BenchmarkTokenLookupJoined(b *testing.B) {
	s := newBenchStore(b, 100, 1000)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		if _, _, err := s.db.ServerAccountByTokenHash(ctx, s.hashes[i%len(s.hashes)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
