//go:build postgres

package sqlstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/patchbay-dev/patchbay/internal/store"
)

// A group holding one entry PostgreSQL refuses (here invalid UTF-8 that
// skipped the cleaning) is written again entry by entry: the others keep
// their entries.
func TestPostgresLogGroupRetriedEntryByEntry(t *testing.T) {
	t.Parallel()
	db := openPostgres(t)
	entries := make([]*store.LogEntry, 10)
	for i := range entries {
		entries[i] = &store.LogEntry{Time: time.Now(), ServerID: "srv", AccountID: "acc", RPCMethod: "ping", Tool: fmt.Sprintf("t%d", i), Status: "ok"}
	}
	entries[4].ClientName = "broken \xff"
	errs := db.InsertLogGroup(entries)
	for i, e := range entries {
		if i == 4 {
			if errs[i] == nil || e.ID != 0 {
				t.Errorf("refused entry: err %v, id %d; want an error and no id", errs[i], e.ID)
			}
			continue
		}
		if errs[i] != nil || e.ID == 0 {
			t.Errorf("entry %d: err %v, id %d; want it stored", i, errs[i], e.ID)
		}
	}
}
