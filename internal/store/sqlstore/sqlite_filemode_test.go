package sqlstore_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/store/sqlstore"
)

// The database holds sealed credentials and the audit log: a new file and
// its WAL are readable by their owner only, whatever the umask lets through.
func TestSQLiteFilesPrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "p.db")
	db, err := sqlstore.Open(context.Background(), path, testCipher(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.AppendLog(context.Background(), &store.LogEntry{ServerID: "s", AccountID: "a", RPCMethod: "ping", Status: "ok"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{path, path + "-wal"} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s has mode %o, want 600", filepath.Base(name), perm)
		}
	}
}
