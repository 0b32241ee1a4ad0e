//go:build postgres

package replica_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/store/sqlstore"
)

// sharedKey is the encryption key every replica of one installation shares.
var sharedKey = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{5}, 32))

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary is the patchbay binary: PATCHBAY_TEST_BINARY (the test command
// builds one) or a fresh build.
func binary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PATCHBAY_TEST_BINARY"); p != "" {
		return p
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "patchbay-replica-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "patchbay")
		cmd := exec.Command("go", "build", "-o", binPath, "github.com/patchbay-dev/patchbay/cmd/patchbay")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// fakeGong is the smallest upstream the tests need: every GET answers one
// page with a user and a workspace; rateLimit makes it answer 429.
type fakeGong struct {
	*httptest.Server
	calls     atomic.Int64
	rateLimit atomic.Bool
}

func newFakeGong(t *testing.T) *fakeGong {
	f := &fakeGong{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if f.rateLimit.Load() {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"requestId":"rl-1","errors":["Too many requests"]}`)
			return
		}
		io.WriteString(w, `{"requestId":"req-1","records":{"totalRecords":1,"currentPageSize":1,"currentPageNumber":0},
			"users":[{"id":"234599484848423","emailAddress":"ada@acme.example","firstName":"Ada"}],
			"workspaces":[{"id":"623457276584334","name":"Sales"}]}`)
	}))
	t.Cleanup(f.Close)
	return f
}

// replica is one `patchbay serve` process.
type replica struct {
	t    *testing.T
	name string
	cmd  *exec.Cmd
	url  string
	logs *syncBuffer
	done chan struct{}
	err  error // the process's exit, once done is closed
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func env() []string {
	return append(os.Environ(), "PATCHBAY_ENCRYPTION_KEY="+sharedKey, "PATCHBAY_DATABASE_URL=", "PATCHBAY_DATA_DIR="+os.TempDir())
}

// startReplica starts `patchbay serve` on the database and waits until it
// is ready.
func startReplica(t *testing.T, name, dbURL, upstream string, cleanup time.Duration) *replica {
	t.Helper()
	r := &replica{t: t, name: name, logs: &syncBuffer{}, done: make(chan struct{})}
	r.cmd = exec.Command(binary(t), "serve", "--addr", "127.0.0.1:0", "--database", dbURL,
		"--sandbox-origin", upstream, "--cleanup-interval", cleanup.String())
	r.cmd.Env = env()
	r.cmd.Stderr = r.logs
	stdout, err := r.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "Patchbay serving on "); ok {
				addr <- rest
			}
		}
	}()
	go func() { r.err = r.cmd.Wait(); close(r.done) }()
	t.Cleanup(func() { r.kill() })
	select {
	case r.url = <-addr:
	case <-r.done:
		t.Fatalf("replica %s exited at start: %v\n%s", name, r.err, r.logs)
	case <-time.After(60 * time.Second):
		t.Fatalf("replica %s did not start within 60 s\n%s", name, r.logs)
	}
	eventually(t, "replica "+name+" ready", func() bool {
		resp, err := http.Get(r.url + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return r
}

// kill ends the process at once, as a crash or a lost machine would.
func (r *replica) kill() {
	select {
	case <-r.done:
		return
	default:
	}
	_ = r.cmd.Process.Kill()
	<-r.done
}

// stop asks the process to shut down and waits for a clean exit.
func (r *replica) stop() {
	r.t.Helper()
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(60 * time.Second):
		r.t.Fatalf("replica %s did not stop on SIGTERM", r.name)
	}
	if r.err != nil {
		r.t.Fatalf("replica %s exited with %v on SIGTERM\n%s", r.name, r.err, r.logs)
	}
}

// metric reads one sample from the replica's /metrics; -1 if absent.
func (r *replica) metric(t *testing.T, series string) float64 {
	t.Helper()
	resp, err := http.Get(r.url + "/metrics")
	if err != nil {
		t.Fatalf("scraping %s: %v", r.name, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				t.Fatalf("%s: %q", series, line)
			}
			return v
		}
	}
	return -1
}

func (r *replica) scrape(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(r.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// api calls the admin API with the bearer token; it fails the test on an
// unexpected status and decodes the answer into out.
func (r *replica) api(t *testing.T, token, method, path string, body any, want int, out any) {
	t.Helper()
	var rdr io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rdr = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, r.url+path, rdr)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s on %s = %d %s, want %d", method, path, r.name, resp.StatusCode, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
}

// rpc posts one JSON-RPC request to /mcp/{token} on this replica.
func (r *replica) rpc(t *testing.T, token, method string, params any) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	req, _ := http.NewRequest("POST", r.url+"/mcp/"+token, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", "2025-06-18")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

// toolNames lists tools/list through this replica; nil when refused.
func (r *replica) toolNames(t *testing.T, token string) (int, []string) {
	t.Helper()
	status, out := r.rpc(t, token, "tools/list", map[string]any{})
	if status != http.StatusOK {
		return status, nil
	}
	res, _ := out["result"].(map[string]any)
	list, _ := res["tools"].([]any)
	var names []string
	for _, x := range list {
		names = append(names, x.(map[string]any)["name"].(string))
	}
	return status, names
}

// apiToken mints the first admin token with the CLI, straight into the
// shared database.
func apiToken(t *testing.T, dbURL string) string {
	t.Helper()
	cmd := exec.Command(binary(t), "api-token", "create", "--name", "replica-test", "--database", dbURL)
	cmd.Env = env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("api-token create: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`API token: (\S+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no token in %s", out)
	}
	return string(m[1])
}

// openDB opens the shared database from the test, as a third party that
// can look at rows and move the clock of a row.
func openDB(t *testing.T, dbURL string) *sqlstore.DB {
	t.Helper()
	key, _ := credentials.ParseKey(sharedKey)
	c, _ := credentials.NewCipher(key)
	db, err := sqlstore.Open(context.Background(), dbURL, c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// eventually polls cond until it holds; the bound is generous because the
// machine is shared, and it is a ceiling, not a measurement.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for: %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}
