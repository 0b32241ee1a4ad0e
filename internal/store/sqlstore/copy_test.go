package sqlstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/store/sqlstore"
)

func openSQLite(t *testing.T, c *credentials.Cipher) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "p.db"), c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// fill puts some of everything into s through the Store interface; logs
// number more than one insert batch.
func fill(t *testing.T, s store.Store, logs int) {
	t.Helper()
	ctx := context.Background()
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
	for i, creds := range []credentials.Upstream{
		{Type: credentials.TypeAccessKey, AccessKey: "key", AccessKeySecret: "secret"},
		{Type: credentials.TypeOAuth2, AccessToken: "at", RefreshToken: "rt", Expiry: exp},
	} {
		a := &store.Account{Integration: "gong", Name: fmt.Sprint("acct", i), BaseURL: "https://api.gong.io", ExternalID: fmt.Sprint("co", i), Credentials: creds}
		if i == 1 {
			a.Scopes = []string{"api:calls:read:basic"}
		}
		if err := s.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		for j, e := range []*time.Time{nil, &exp} {
			srv := &store.Server{AccountID: a.ID, Name: "s", TokenHash: fmt.Sprintf("hash-%d-%d", i, j), ExpiresAt: e,
				Config: store.ServerConfig{Methods: []string{"read"}, RequireAPITokenAuth: j == 1}}
			if err := s.CreateServer(ctx, srv); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.CreateAPIToken(ctx, &store.APIToken{Name: "admin", TokenHash: credentials.HashToken("pba_x")}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSetting(ctx, "admin_password", "argon2id$…"); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateSession(ctx, &store.Session{TokenHash: "sess", Via: "password:1", ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < logs; i++ {
		if err := s.AppendLog(ctx, &store.LogEntry{ServerID: "srv", AccountID: "acc", RPCMethod: "tools/call", Tool: "list_all_gong_users",
			Status: "ok", HTTPStatus: 200, UpstreamStatus: 200, Duration: time.Duration(i) * time.Microsecond}); err != nil {
			t.Fatal(err)
		}
	}
}

// dump renders every data table row by row, in primary-key order. Sealed
// credentials differ after resealing (fresh nonces), so they are shown
// opened instead.
func dump(t *testing.T, db *sqlstore.DB) map[string][]string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'`
	if db.Dialect() == "postgres" {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'`
	}
	rows, err := db.SQL().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		tables = append(tables, s)
	}
	rows.Close()
	out := map[string][]string{}
	for _, table := range tables {
		rows, err := db.SQL().Query(`SELECT * FROM ` + table + ` ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		out[table] = []string{}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for i, v := range vals {
				if by, ok := v.([]byte); ok {
					v = string(by)
				}
				if table == "integrated_accounts" && cols[i] == "credentials" {
					v = "<sealed>"
				}
				fmt.Fprintf(&b, "%s=%v ", cols[i], v)
			}
			out[table] = append(out[table], b.String())
		}
		rows.Close()
	}
	accts, err := db.ListAccounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range accts {
		out["opened credentials"] = append(out["opened credentials"], fmt.Sprintf("%s %+v", a.ID, a.Credentials))
	}
	return out
}

func sameDump(t *testing.T, what string, want, got map[string][]string) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		for table := range want {
			if !reflect.DeepEqual(want[table], got[table]) {
				w, g := want[table], got[table]
				i := 0
				for i < len(w) && i < len(g) && w[i] == g[i] {
					i++
				}
				t.Errorf("%s: table %s differs (%d rows vs %d) from row %d:\nwant %q\ngot  %q", what, table, len(w), len(g), i, w[min(i, len(w)):min(i+1, len(w))], g[min(i, len(g)):min(i+1, len(g))])
			}
		}
		if len(want) != len(got) {
			t.Errorf("%s: tables differ: %d vs %d", what, len(want), len(got))
		}
	}
}

func countsOf(c []sqlstore.TableCount) map[string]int64 {
	m := map[string]int64{}
	for _, tc := range c {
		m[tc.Table] = tc.Rows
	}
	return m
}

// checkCopy copies src to a fresh dst and proves the two hold the same rows
// and that dst keeps working: a new log entry gets an id past the copied ones.
func checkCopy(t *testing.T, src, dst *sqlstore.DB) {
	t.Helper()
	ctx := context.Background()
	counts, err := sqlstore.Copy(ctx, src, dst, sqlstore.CopyOptions{})
	if err != nil {
		t.Fatalf("Copy %s → %s: %v", src.Dialect(), dst.Dialect(), err)
	}
	want := dump(t, src)
	sameDump(t, src.Dialect()+" → "+dst.Dialect(), want, dump(t, dst))
	for table, rows := range want {
		if table != "opened credentials" && countsOf(counts)[table] != int64(len(rows)) {
			t.Errorf("Copy reported %d rows of %s, want %d", countsOf(counts)[table], table, len(rows))
		}
	}
	logs, _ := dst.ListLogs(ctx, store.LogFilter{Limit: 1})
	e := &store.LogEntry{ServerID: "x", AccountID: "y", RPCMethod: "ping", Status: "ok"}
	if err := dst.AppendLog(ctx, e); err != nil {
		t.Fatalf("AppendLog after the copy: %v", err)
	}
	if len(logs) == 1 && e.ID <= logs[0].ID {
		t.Fatalf("new log id %d does not follow the copied %d", e.ID, logs[0].ID)
	}
	srv, err := dst.ServerByTokenHash(ctx, "hash-1-1")
	if err != nil || !srv.Config.RequireAPITokenAuth || srv.ExpiresAt == nil {
		t.Fatalf("copied server: %+v, %v", srv, err)
	}
}

func TestCopySQLiteRoundTrip(t *testing.T) {
	c := testCipher(t)
	src := openSQLite(t, c)
	fill(t, src, 1234)
	mid := openSQLite(t, c)
	checkCopy(t, src, mid)
	back := openSQLite(t, c)
	checkCopy(t, mid, back)
}

func TestCopyRefusals(t *testing.T) {
	ctx := context.Background()
	c := testCipher(t)
	src := openSQLite(t, c)
	fill(t, src, 3)

	t.Run("non-empty target", func(t *testing.T) {
		dst := openSQLite(t, c)
		if err := dst.CreateAPIToken(ctx, &store.APIToken{Name: "other", TokenHash: "other"}); err != nil {
			t.Fatal(err)
		}
		before := dump(t, dst)
		_, err := sqlstore.Copy(ctx, src, dst, sqlstore.CopyOptions{})
		if !errors.Is(err, sqlstore.ErrTargetNotEmpty) || !strings.Contains(err.Error(), "api_tokens (1 rows)") {
			t.Fatalf("Copy into a non-empty target = %v", err)
		}
		sameDump(t, "refused target", before, dump(t, dst))

		// --force replaces the target's contents.
		if _, err := sqlstore.Copy(ctx, src, dst, sqlstore.CopyOptions{Force: true}); err != nil {
			t.Fatal(err)
		}
		sameDump(t, "forced copy", dump(t, src), dump(t, dst))
	})

	t.Run("wrong key", func(t *testing.T) {
		other, _ := credentials.NewCipher(bytes.Repeat([]byte{9}, 32))
		srcPath := filepath.Join(t.TempDir(), "src.db")
		s1, err := sqlstore.Open(ctx, srcPath, c)
		if err != nil {
			t.Fatal(err)
		}
		fill(t, s1, 1)
		s1.Close()
		wrong, err := sqlstore.Open(ctx, srcPath, other)
		if err != nil {
			t.Fatal(err)
		}
		defer wrong.Close()
		dst := openSQLite(t, other)
		if _, err := sqlstore.Copy(ctx, wrong, dst, sqlstore.CopyOptions{}); err == nil || !strings.Contains(err.Error(), "encryption key") {
			t.Fatalf("Copy with a key that cannot open the credentials = %v", err)
		}
		for table, rows := range dump(t, dst) {
			if len(rows) != 0 {
				t.Errorf("a failed copy left %d rows in %s", len(rows), table)
			}
		}
	})
}
