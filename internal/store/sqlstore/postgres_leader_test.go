//go:build postgres

package sqlstore_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchbay-dev/patchbay/internal/store/sqlstore"
	"github.com/patchbay-dev/patchbay/internal/store/sqlstore/pgtest"
)

// candidate is one replica's view of an election: its own pool on the
// shared database, as a separate process would have.
type candidate struct {
	name     string
	db       *sqlstore.DB
	cancel   context.CancelFunc
	done     chan struct{}
	misses   atomic.Int64 // failed tries of the lock
	leadings atomic.Int64 // times fn started
}

// election runs candidates on one fresh database; leaders reports each
// start of fn by candidate name.
type election struct {
	t       *testing.T
	url     string
	active  atomic.Int64
	leaders chan string
	mu      sync.Mutex
	byDB    map[*sqlstore.DB]*candidate
}

const testLockID = 4242

func newElection(t *testing.T) *election {
	e := &election{t: t, url: pgtest.NewDatabase(t), leaders: make(chan string, 16), byDB: map[*sqlstore.DB]*candidate{}}
	sqlstore.SetLeaderAttemptHook(func(s *sqlstore.DB, lockID int64, leading bool) {
		e.mu.Lock()
		c := e.byDB[s]
		e.mu.Unlock()
		if c != nil && lockID == testLockID && !leading {
			c.misses.Add(1)
		}
	})
	t.Cleanup(func() { sqlstore.SetLeaderAttemptHook(nil) })
	return e
}

// start runs fn under leadership; fn reports itself, then holds on until
// its leadership ends, and flags any overlap with another leader.
func (e *election) start(name string, checkOverlap bool) *candidate {
	db, err := sqlstore.Open(context.Background(), e.url, testCipher(e.t))
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &candidate{name: name, db: db, cancel: cancel, done: make(chan struct{})}
	e.mu.Lock()
	e.byDB[db] = c
	e.mu.Unlock()
	go func() {
		defer close(c.done)
		db.Lead(ctx, testLockID, 20*time.Millisecond, nil, func(ctx context.Context) {
			if n := e.active.Add(1); n != 1 && checkOverlap {
				e.t.Errorf("%s leads while %d others do", name, n-1)
			}
			c.leadings.Add(1)
			e.leaders <- name
			<-ctx.Done()
			e.active.Add(-1)
		})
	}()
	e.t.Cleanup(func() { c.stop(); db.Close() })
	return c
}

func (c *candidate) stop() { c.cancel(); <-c.done }

func (e *election) nextLeader() string {
	e.t.Helper()
	select {
	case name := <-e.leaders:
		return name
	case <-time.After(60 * time.Second):
		e.t.Fatal("no candidate became leader within 60 s")
		return ""
	}
}

// waitMisses waits until c has failed to take the lock n more times.
func waitMisses(t *testing.T, c *candidate, n int64) {
	t.Helper()
	target := c.misses.Load() + n
	deadline := time.Now().Add(60 * time.Second)
	for c.misses.Load() < target {
		if time.Now().After(deadline) {
			t.Fatalf("%s stopped trying the lock", c.name)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func advisoryHolders(t *testing.T, db *sqlstore.DB, lockID int64) []int {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND ((classid::bigint << 32) | objid::bigint) = $1`, lockID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var pids []int
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			t.Fatal(err)
		}
		pids = append(pids, pid)
	}
	return pids
}

func TestPostgresLeaderOneAtATimeAndHandover(t *testing.T) {
	e := newElection(t)
	cands := map[string]*candidate{}
	for _, name := range []string{"a", "b", "c"} {
		cands[name] = e.start(name, true)
	}
	first := e.nextLeader()
	// Every standby must have tried and been refused a few times while
	// the first leader holds on.
	for name, c := range cands {
		if name != first {
			waitMisses(t, c, 3)
		}
	}
	select {
	case other := <-e.leaders:
		t.Fatalf("%s became leader while %s leads", other, first)
	default:
	}
	if pids := advisoryHolders(t, cands[first].db, testLockID); len(pids) != 1 {
		t.Fatalf("lock holders = %v, want exactly one", pids)
	}

	// The leader stops (a replica shutting down): another takes over.
	cands[first].stop()
	second := e.nextLeader()
	if second == first {
		t.Fatalf("%s led again after stopping", first)
	}
	cands[second].stop()
	third := e.nextLeader()
	if third == first || third == second {
		t.Fatalf("leadership went to %s; want the remaining candidate", third)
	}
}

// A leader whose connection dies (the process is gone, or the network
// between it and PostgreSQL) loses the lock; the leader notices and
// stops, and a standby takes over.
func TestPostgresLeaderConnectionLost(t *testing.T) {
	e := newElection(t)
	a := e.start("a", false)
	first := e.nextLeader()
	if first != "a" {
		t.Fatalf("leader = %s", first)
	}
	b := e.start("b", false)
	waitMisses(t, b, 2)
	pids := advisoryHolders(t, b.db, testLockID)
	if len(pids) != 1 {
		t.Fatalf("lock holders = %v", pids)
	}
	if _, err := b.db.SQL().Exec(`SELECT pg_terminate_backend($1)`, pids[0]); err != nil {
		t.Fatal(err)
	}
	if next := e.nextLeader(); next != "b" {
		t.Fatalf("after a's session was killed, %s leads; want b", next)
	}
	// a noticed: its fn returned, and it is a standby again.
	deadline := time.Now().Add(60 * time.Second)
	for e.active.Load() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("a kept leading after its session was killed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	waitMisses(t, a, 2)
	if a.leadings.Load() != 1 {
		t.Fatalf("a led %d times", a.leadings.Load())
	}
}

// Replicas that start at once run the migrations once: without the
// migration lock, concurrent CREATE TABLEs fail.
func TestPostgresMigrationsConcurrent(t *testing.T) {
	url := pgtest.NewDatabase(t)
	const n = 6
	errs := make(chan error, n)
	var start sync.WaitGroup
	start.Add(1)
	for i := 0; i < n; i++ {
		go func() {
			start.Wait()
			db, err := sqlstore.Open(context.Background(), url, testCipher(t))
			if err == nil {
				db.Close()
			}
			errs <- err
		}()
	}
	start.Done()
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent open: %v", err)
		}
	}
	db := openURL(t, url)
	// Versions need not be consecutive (helpers on parallel branches take
	// numbers of their own): each must be applied once, the latest included.
	var rows, distinct, latest int
	if err := db.SQL().QueryRow(`SELECT COUNT(*), COUNT(DISTINCT version), MAX(version) FROM schema_migrations`).Scan(&rows, &distinct, &latest); err != nil {
		t.Fatal(err)
	}
	if latest != sqlstore.LatestSchemaVersion() || distinct != rows {
		t.Fatalf("schema_migrations has %d rows (%d distinct, latest %d); want each once, up to %d", rows, distinct, latest, sqlstore.LatestSchemaVersion())
	}
}

func openURL(t *testing.T, url string) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), url, testCipher(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
