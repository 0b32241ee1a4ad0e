// Command bench measures what Patchbay costs, side by side in one run:
// the same Gong operations sent directly to the Gong sandbox, through
// Patchbay (patchbay serve), through a floor gateway (the smallest
// hand-written JSON-RPC proxy, floor.go) and through a peer MCP server
// (@ivotoby/openapi-mcp-server from npm, pinned in package.json). Every
// figure is the median of several interleaved rounds; the tables are
// printed and written to BENCHMARKS.md.
//
//	go run ./bench            # the full run (under ten minutes on 2 cores)
//	go run ./bench -quick     # a short smoke run; writes nothing unless -out
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// config is the run's shape; -quick shrinks every duration and count.
type config struct {
	quick     bool
	rounds    int
	out       string
	skipPeer  bool
	keep      bool
	hold      bool
	profile   string
	latDur    time.Duration // one latency measurement (1 client)
	tputDur   time.Duration // one throughput measurement
	warm      time.Duration // warm-up before each measurement, not counted
	memMark   int           // (e): first RSS reading after this many requests
	memTotal  int           // (e): last RSS reading after this many requests
	memRounds int
	accounts  int // (e): integrated accounts in the database
	servers   int // (e): MCP servers in the database
	startRuns int // (f)
	// budget is the whole run's time limit: (e) stops adding rounds (with a
	// note) when another would not fit.
	budget time.Duration
}

func main() {
	role := flag.String("role", "", "internal: run a helper process instead of the benchmark (floor)")
	floorUp := flag.String("upstream", "", "internal (floor): the sandbox origin")
	floorAddr := flag.String("addr", "127.0.0.1:0", "internal (floor): listen address")
	quick := flag.Bool("quick", false, "a short smoke run: one round, short durations, fewer requests; writes no file unless -out is given")
	rounds := flag.Int("rounds", 0, "rounds per figure (default 3, or 1 with -quick)")
	out := flag.String("out", "", "write the report here (default BENCHMARKS.md at the module root; none with -quick)")
	skipPeer := flag.Bool("skip-peer", false, "do not install or run the npm peer")
	keep := flag.Bool("keep", false, "keep the temporary directory (databases, logs)")
	profileDir := flag.String("profile", "", "run Patchbay in-process-equivalent with pprof (bench -role serve) instead of the patchbay binary, and save CPU and heap profiles in this directory")
	database := flag.String("database", "", "internal (serve): the database")
	hold := flag.Bool("hold", false, "start every process, print their URLs and wait for ^C instead of measuring (for profiling)")
	flag.Parse()

	if *role == "floor" {
		if err := runFloor(*floorAddr, *floorUp, os.Getenv("FLOOR_KEY"), os.Getenv("FLOOR_SECRET"), os.Getenv("FLOOR_TOKEN")); err != nil {
			fmt.Fprintln(os.Stderr, "floor:", err)
			os.Exit(1)
		}
		return
	}
	if *role == "serve" {
		if err := runServePprof(*database, os.Getenv("BENCH_KEY"), *floorUp); err != nil {
			fmt.Fprintln(os.Stderr, "serve:", err)
			os.Exit(1)
		}
		return
	}

	cfg := config{
		quick: *quick, rounds: 3, out: *out, skipPeer: *skipPeer, keep: *keep, hold: *hold, profile: *profileDir,
		latDur: time.Second, tputDur: 1500 * time.Millisecond, warm: 300 * time.Millisecond,
		memMark: 10_000, memTotal: 100_000, memRounds: 3,
		accounts: 1_000, servers: 10_000, startRuns: 5, budget: 9*time.Minute + 40*time.Second,
	}
	if cfg.quick {
		cfg.rounds, cfg.latDur, cfg.tputDur, cfg.warm = 1, 400*time.Millisecond, 600*time.Millisecond, 100*time.Millisecond
		cfg.memMark, cfg.memTotal, cfg.memRounds = 1_000, 4_000, 1
		cfg.accounts, cfg.servers, cfg.startRuns = 100, 1_000, 1
	}
	if *rounds > 0 {
		cfg.rounds = *rounds
		cfg.memRounds = min(cfg.memRounds, *rounds)
		cfg.startRuns = max(cfg.startRuns, *rounds)
	}
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if cfg.out == "" && !cfg.quick {
		cfg.out = filepath.Join(root, "BENCHMARKS.md")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// Bounded whatever happens: a wedged target ends the run.
	ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	err = run(ctx, root, cfg)
	cancel()
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// moduleRoot is the directory of Patchbay's go.mod, found from the working
// directory upwards.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for range 32 {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/patchbay-dev/patchbay\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", fmt.Errorf("run from inside the Patchbay module (go run ./bench)")
}
