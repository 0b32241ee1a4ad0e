package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/patchbay-dev/patchbay/internal/credentials"
)

// figures is everything measured, for the report.
type figures struct {
	cfg     config
	started time.Time
	elapsed time.Duration
	machine machineInfo
	load    *loadSampler

	ops     []*operation
	targets []string                      // names, in table order
	lat     map[string]map[string]*series // (a): op tool -> target -> 1-client series
	tput    map[int]map[string]*series    // (b): clients -> target -> series
	clients []int

	listSeries1, listSeries16 *series // (c)
	listBytes, listTools      int
	peerListBytes, peerTools  int

	peerSkip               string // why the peer was not measured
	pbRSS, pbPeak          int64  // Patchbay's process after (a)-(c)
	peerRSS, peerPeak      int64
	mem                    []memRound // (e)
	memAccounts, memServer int
	startFresh, startAgain []float64   // (f) ms to the first successful tools/call
	agent                  []*agentRow // (g)
	urlFresh               []float64   // (f) ms to the MCP URL line
	notes                  []string
}

type memRound struct {
	rssMark, rssTotal, peak int64
	n, errs                 int
	firstErr                error
	rps                     float64
}

func run(ctx context.Context, root string, cfg config) (err error) {
	f := &figures{cfg: cfg, started: time.Now(), lat: map[string]map[string]*series{}, tput: map[int]map[string]*series{}, clients: []int{16, 64}}
	f.machine = machine()
	f.load = startLoadSampler()
	defer f.load.stop()

	tmp, err := os.MkdirTemp("", "patchbay-bench-")
	if err != nil {
		return err
	}
	if cfg.keep {
		fmt.Println("temporary directory (kept):", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	ps := &procs{dir: tmp}
	defer ps.stopAll()

	step := func(format string, args ...any) {
		fmt.Printf("[%5.1fs] %s\n", time.Since(f.started).Seconds(), fmt.Sprintf(format, args...))
	}

	step("building patchbay")
	bin, err := goBuild(ctx, root, tmp, "./cmd/patchbay", "patchbay")
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}

	step("starting the Gong sandbox (rate limits off)")
	sbProc, err := ps.start("sandbox", childEnv(), bin, "sandbox", "gong", "--addr", "127.0.0.1:0", "--no-limits")
	if err != nil {
		return err
	}
	sandbox, err := sbProc.waitLine(ctx, "Gong sandbox: ", 30*time.Second)
	if err != nil {
		return err
	}
	accessKey, err := sbProc.waitLine(ctx, "Access key: ", 5*time.Second)
	if err != nil {
		return err
	}
	secret, err := sbProc.waitLine(ctx, "Access key secret: ", 5*time.Second)
	if err != nil {
		return err
	}
	// The sandbox prints its URL once it listens; any answer proves it.
	if resp, err := http.Get(sandbox + "/v2/users"); err != nil {
		return fmt.Errorf("the sandbox does not answer: %w", err)
	} else {
		resp.Body.Close()
	}
	now := time.Now()
	callID, err := firstCallID(ctx, sandbox, accessKey, secret, now)
	if err != nil {
		return err
	}
	ops, err := operations(sandbox, callID, now)
	if err != nil {
		return err
	}
	f.ops = ops

	step("starting patchbay serve (SQLite, 1 account, 1 MCP server with every Gong tool)")
	key := credentials.NewKey()
	mainDB := filepath.Join(tmp, "patchbay.db")
	tokens, err := seed(ctx, mainDB, key, sandbox, accessKey, secret, 1, 1)
	if err != nil {
		return fmt.Errorf("seeding the database: %w", err)
	}
	var prof *profiler
	if cfg.profile != "" {
		if err := os.MkdirAll(cfg.profile, 0o755); err != nil {
			return err
		}
		prof = &profiler{dir: cfg.profile}
	}
	pbProc, pbBase, err := startPatchbay(ctx, ps, "patchbay", bin, mainDB, key, sandbox, prof)
	if err != nil {
		return err
	}
	pbURL := pbBase + "/mcp/" + tokens[0]

	step("starting the floor gateway")
	floorToken := credentials.NewToken(credentials.MCPTokenPrefix)
	floorProc, err := ps.start("floor", childEnv("FLOOR_KEY="+accessKey, "FLOOR_SECRET="+secret, "FLOOR_TOKEN="+floorToken), self, "-role", "floor", "-upstream", sandbox)
	if err != nil {
		return err
	}
	floorBase, err := floorProc.waitLine(ctx, "floor: ", 30*time.Second)
	if err != nil {
		return err
	}
	floorURL := floorBase + "/mcp/" + floorToken

	var peerProc *proc
	var peerURL string
	if cfg.skipPeer {
		f.peerSkip = "skipped with -skip-peer"
	} else {
		step("installing and starting the peer (%s, pinned in bench/package-lock.json)", peerPackage)
		script, err := installPeer(ctx, filepath.Join(root, "bench"))
		if err == nil {
			peerProc, peerURL, err = startPeer(ctx, ps, script, filepath.Join(root, "integrations", "gong", "openapi.json"), sandbox, accessKey, secret)
		}
		if err != nil {
			f.peerSkip = "could not be installed or started: " + err.Error()
		}
	}

	bodies := make([][]byte, len(ops))
	for i, op := range ops {
		bodies[i] = op.mcpBody
	}
	targets := []*target{
		directTarget(ops, accessKey, secret),
		mcpTarget("Patchbay", func(int, int) string { return pbURL }, bodies),
		mcpTarget("floor", func(int, int) string { return floorURL }, bodies),
	}
	if peerURL != "" {
		targets = append(targets, peerTarget(peerURL, ops))
	}

	step("checking every target answers every operation")
	for _, t := range targets {
		c, rel, err := t.client(ctx, 0)
		if err == nil {
			for i := range ops {
				if err = c(ctx, i); err != nil {
					break
				}
			}
		}
		if rel != nil {
			rel()
		}
		if err != nil {
			if t.name == "peer" {
				f.peerSkip = "does not answer the operations: " + err.Error()
				targets = targets[:len(targets)-1]
				continue
			}
			return fmt.Errorf("%s: %w", t.name, err)
		}
	}
	if f.peerSkip != "" {
		fmt.Println("peer skipped:", f.peerSkip)
		if peerProc != nil {
			peerProc.stop()
			peerProc = nil
		}
	}
	for _, t := range targets {
		f.targets = append(f.targets, t.name)
	}
	if cfg.hold {
		fmt.Printf("sandbox:  %s (access key %s)\nPatchbay: %s\nfloor:    %s\npeer:     %s\n", sandbox, accessKey, pbURL, floorURL, peerURL)
		for i, op := range ops {
			fmt.Printf("op %d: %s\n  direct: %s %s %s\n  tools/call: %s\n", i, op.tool, op.method, op.url, op.body, op.mcpBody)
		}
		fmt.Println("holding; ^C to stop")
		<-ctx.Done()
		return nil
	}

	for r := range cfg.rounds {
		step("round %d/%d: (a) latency at 1 client", r+1, cfg.rounds)
		for i, op := range ops {
			for k := range targets {
				t := targets[(k+r)%len(targets)] // rotate who goes first
				res, err := runLoad(ctx, t, 1, []int{i}, cfg.warm, cfg.latDur)
				if err != nil {
					return err
				}
				get(f.lat, op.tool, t.name).add(res)
			}
		}
		mix := []int{0, 1, 2}
		for _, c := range f.clients {
			step("round %d/%d: (b) throughput at %d clients", r+1, cfg.rounds, c)
			for k := range targets {
				t := targets[(k+r)%len(targets)]
				var res result
				run := func() (err error) {
					res, err = runLoad(ctx, t, c, mix, cfg.warm, cfg.tputDur)
					return err
				}
				if r == 0 && t.name == "Patchbay" && prof != nil {
					err = prof.cpu(ctx, fmt.Sprintf("tools-call-%d", c), cfg.tputDur, run)
				} else {
					err = run()
				}
				if err != nil {
					return err
				}
				get(f.tput, c, t.name).add(res)
			}
		}
		step("round %d/%d: (c) tools/list", r+1, cfg.rounds)
		list := mcpTarget("Patchbay tools/list", func(int, int) string { return pbURL }, [][]byte{[]byte(`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}`)})
		res, err := runLoad(ctx, list, 1, []int{0}, cfg.warm, cfg.latDur/2)
		if err != nil {
			return err
		}
		f.listSeries1 = orNew(f.listSeries1)
		f.listSeries1.add(res)
		run := func() (err error) {
			res, err = runLoad(ctx, list, 16, []int{0}, cfg.warm, cfg.tputDur/2)
			return err
		}
		if r == 0 && prof != nil {
			err = prof.cpu(ctx, "tools-list-16", cfg.tputDur/2, run)
		} else {
			err = run()
		}
		if err != nil {
			return err
		}
		f.listSeries16 = orNew(f.listSeries16)
		f.listSeries16.add(res)
	}
	hc := &http.Client{Transport: newTransport(), Timeout: 30 * time.Second}
	_, out, err := mcpPost(ctx, hc, pbURL, []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}`))
	if err != nil {
		return err
	}
	f.listBytes, f.listTools = len(out), countTools(out)
	f.pbRSS, f.pbPeak, _ = rss(pbProc.cmd.Process.Pid)
	// (g) after the RSS reading: the workflows' large answers are not part
	// of the steady-state figures above.
	if err := f.agentCost(ctx, step, pbBase, pbURL, mainDB, key, cfg.rounds); err != nil {
		return err
	}
	if prof != nil {
		_ = prof.fetch(ctx, "/debug/pprof/heap", "heap.pprof")
		_ = prof.fetch(ctx, "/debug/pprof/allocs", "allocs.pprof")
	}
	if peerProc != nil {
		f.peerRSS, f.peerPeak, _ = rss(peerProc.cmd.Process.Pid)
		if f.peerListBytes, f.peerTools, err = peerToolsList(ctx, peerURL); err != nil {
			f.notes = append(f.notes, "peer tools/list failed: "+err.Error())
		}
		peerProc.stop()
	}
	pbProc.stop()
	floorProc.stop()

	if err := f.memory(ctx, step, ps, tmp, bin, key, sandbox, accessKey, secret, ops); err != nil {
		return err
	}
	if err := f.startup(ctx, step, ps, tmp, bin, ops); err != nil {
		return err
	}
	f.elapsed = time.Since(f.started)
	f.load.stop()
	return f.report(root)
}

func get[K comparable](m map[K]map[string]*series, k K, name string) *series {
	if m[k] == nil {
		m[k] = map[string]*series{}
	}
	if m[k][name] == nil {
		m[k][name] = &series{}
	}
	return m[k][name]
}

func orNew(s *series) *series {
	if s == nil {
		return &series{}
	}
	return s
}

// memory is (e): a database of many MCP servers over many accounts, 64
// clients calling tools on random servers, RSS read after memMark and
// after memTotal requests.
func (f *figures) memory(ctx context.Context, step func(string, ...any), ps *procs, tmp, bin, key, sandbox, accessKey, secret string, ops []*operation) error {
	f.memAccounts, f.memServer = f.cfg.accounts, f.cfg.servers
	step("(e) seeding %d MCP servers over %d accounts", f.cfg.servers, f.cfg.accounts)
	path := filepath.Join(tmp, "memory.db")
	tokens, err := seed(ctx, path, key, sandbox, accessKey, secret, f.cfg.accounts, f.cfg.servers)
	if err != nil {
		return fmt.Errorf("seeding: %w", err)
	}
	bodies := make([][]byte, len(ops))
	for i, op := range ops {
		bodies[i] = op.mcpBody
	}
	var last time.Duration
	for r := range f.cfg.memRounds {
		if r > 0 && f.cfg.budget > 0 && time.Since(f.started)+last+10*time.Second > f.cfg.budget {
			f.notes = append(f.notes, fmt.Sprintf("(e) ran %d of %d rounds: another would not have fit in the run's %s budget (the machine was slow)", r, f.cfg.memRounds, f.cfg.budget))
			break
		}
		roundStart := time.Now()
		step("(e) round %d/%d: 64 clients, %d requests over random servers", r+1, f.cfg.memRounds, f.cfg.memTotal)
		var mprof *profiler
		if f.cfg.profile != "" {
			mprof = &profiler{dir: f.cfg.profile}
		}
		p, base, err := startPatchbay(ctx, ps, "patchbay-memory", bin, path, key, sandbox, mprof)
		if err != nil {
			return err
		}
		urlFor := func(w, seq int) string {
			h := uint64(w+1)*0x9E3779B97F4A7C15 ^ uint64(seq)*0xBF58476D1CE4E5B9
			h ^= h >> 31
			return base + "/mcp/" + tokens[h%uint64(len(tokens))]
		}
		t := mcpTarget("Patchbay", urlFor, bodies)
		var m memRound
		pid := p.cmd.Process.Pid
		sample := func() int64 { // median of three readings 30 ms apart
			var v []float64
			for i := range 3 {
				if i > 0 {
					time.Sleep(30 * time.Millisecond)
				}
				cur, _, _ := rss(pid)
				v = append(v, float64(cur))
			}
			return int64(median(v))
		}
		n, errs, firstErr, elapsed, err := runCounted(ctx, t, 64, []int{0, 1, 2}, []int{f.cfg.memMark, f.cfg.memTotal}, func(k int) {
			if k == 0 {
				m.rssMark = sample()
			} else {
				m.rssTotal = sample()
			}
		})
		if err != nil {
			p.stop()
			return err
		}
		_, m.peak, _ = rss(pid)
		if mprof != nil {
			_ = mprof.fetch(ctx, "/debug/pprof/heap", fmt.Sprintf("memory-%d.heap.pprof", r+1))
			_ = mprof.fetch(ctx, "/debug/pprof/heap?debug=1", fmt.Sprintf("memory-%d.memstats.txt", r+1))
		}
		m.n, m.errs, m.firstErr, m.rps = n, errs, firstErr, float64(n)/elapsed.Seconds()
		f.mem = append(f.mem, m)
		p.stop()
		last = time.Since(roundStart)
	}
	return nil
}

// runCounted runs clients workers until marks[len-1] requests completed,
// calling at(k) (with the load still running) as completions pass each
// mark.
func runCounted(ctx context.Context, t *target, clients int, ops []int, marks []int, at func(k int)) (n, errs int, firstErr error, elapsed time.Duration, err error) {
	callers := make([]caller, clients)
	for w := range clients {
		c, rel, err := t.client(ctx, w)
		if err != nil {
			return 0, 0, nil, 0, err
		}
		if rel != nil {
			defer rel()
		}
		callers[w] = c
	}
	var done, failed atomic.Int64
	var stop atomic.Bool
	var first atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for w := range clients {
		wg.Go(func() {
			for i := 0; !stop.Load() && ctx.Err() == nil; i++ {
				if err := callers[w](ctx, ops[(w+i)%len(ops)]); err != nil {
					if failed.Add(1) == 1 {
						first.Store(err)
					}
				}
				done.Add(1)
			}
		})
	}
	next := 0
	tick := time.NewTicker(2 * time.Millisecond)
	for next < len(marks) && ctx.Err() == nil {
		<-tick.C
		if done.Load() >= int64(marks[next]) {
			at(next)
			next++
		}
		if failed.Load() > int64(marks[len(marks)-1]/10) {
			break // failing: no point going on
		}
	}
	tick.Stop()
	stop.Store(true)
	wg.Wait()
	elapsed = time.Since(start)
	if e, ok := first.Load().(error); ok {
		firstErr = e
	}
	if ctx.Err() != nil {
		return 0, 0, nil, 0, ctx.Err()
	}
	return int(done.Load()), int(failed.Load()), firstErr, elapsed, nil
}

// startup is (f): `patchbay demo` from process start to the first
// successful tools/call, on a fresh data directory and on a restart.
func (f *figures) startup(ctx context.Context, step func(string, ...any), ps *procs, tmp, bin string, ops []*operation) error {
	hc := &http.Client{Transport: newTransport(), Timeout: 5 * time.Second}
	once := func(dir string) (toURL, toCall time.Duration, err error) {
		t0 := time.Now()
		p, err := ps.start("demo", childEnv(), bin, "demo", "--addr", "127.0.0.1:0", "--data-dir", dir)
		if err != nil {
			return 0, 0, err
		}
		defer p.stop()
		u, err := p.waitLine(ctx, "MCP URL: ", 30*time.Second)
		if err != nil {
			return 0, 0, err
		}
		toURL = time.Since(t0)
		for range 30_000 { // bounded: 30 s at 1 ms
			status, out, err := mcpPost(ctx, hc, u, ops[0].mcpBody)
			if err == nil && checkRPC("demo", status, out) == nil {
				return toURL, time.Since(t0), nil
			}
			if ctx.Err() != nil {
				return 0, 0, ctx.Err()
			}
			time.Sleep(time.Millisecond)
		}
		return 0, 0, fmt.Errorf("demo: no successful tools/call within 30 s")
	}
	for i := range f.cfg.startRuns {
		step("(f) start-up %d/%d", i+1, f.cfg.startRuns)
		dir := filepath.Join(tmp, fmt.Sprintf("demo-%d", i))
		u, c, err := once(dir)
		if err != nil {
			return err
		}
		f.urlFresh, f.startFresh = append(f.urlFresh, ms(u)), append(f.startFresh, ms(c))
		if _, c, err = once(dir); err != nil {
			return err
		}
		f.startAgain = append(f.startAgain, ms(c))
	}
	return nil
}

// ---- machine and load ----

type machineInfo struct {
	cores            int
	cpu, mem, kernel string
	goVersion, node  string
	busyBefore       float64 // share of all cores others kept busy before the run
}

func machine() machineInfo {
	m := machineInfo{cores: numCPU(), goVersion: goVersion()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "MemTotal:"); ok {
				var kb int64
				fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
				m.mem = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = "Linux " + strings.TrimSpace(string(b))
	}
	m.node = commandOutput("node", "--version")
	m.busyBefore = cpuBusy(2 * time.Second)
	return m
}

// loadSampler reads the 1-minute load average every 5 s.
type loadSampler struct {
	mu      sync.Mutex
	samples []float64
	before  string
	after   string
	quit    chan struct{}
	once    sync.Once
}

func loadavg() (string, float64) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?", 0
	}
	f := strings.Fields(string(b))
	var one float64
	fmt.Sscan(f[0], &one)
	return strings.Join(f[:3], " "), one
}

func startLoadSampler() *loadSampler {
	l := &loadSampler{quit: make(chan struct{})}
	l.before, _ = loadavg()
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-l.quit:
				return
			case <-t.C:
				_, one := loadavg()
				l.mu.Lock()
				l.samples = append(l.samples, one)
				l.mu.Unlock()
			}
		}
	}()
	return l
}

func (l *loadSampler) stop() {
	l.once.Do(func() {
		close(l.quit)
		l.after, _ = loadavg()
	})
}

func (l *loadSampler) summary() (lo, mean, hi float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.samples) == 0 {
		return 0, 0, 0
	}
	lo, hi = slices.Min(l.samples), slices.Max(l.samples)
	for _, s := range l.samples {
		mean += s
	}
	return lo, mean / float64(len(l.samples)), hi
}
