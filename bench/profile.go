package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"time"

	"github.com/patchbay-dev/patchbay/internal/app"
	"github.com/patchbay-dev/patchbay/internal/credentials"
)

// runServePprof is `bench -role serve`: what `patchbay serve` runs (the
// same app.Open, handler and JSON log on stderr), plus net/http/pprof on a
// second loopback port. With -profile, the benchmark measures this
// instead of the patchbay binary and saves CPU and heap profiles.
func runServePprof(dbPath, key, sandbox string) error {
	k, err := credentials.ParseKey(key)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	a, err := app.Open(context.Background(), app.Config{DatabaseURL: dbPath, EncryptionKey: k, SandboxOrigin: sandbox, Logger: log, Version: "bench"})
	if err != nil {
		return err
	}
	defer a.Close()
	go a.RunCleanup(context.Background())
	pl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	pm := http.NewServeMux()
	pm.HandleFunc("/debug/pprof/", pprof.Index)
	pm.HandleFunc("/debug/pprof/profile", pprof.Profile)
	go http.Serve(pl, pm)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("pprof: http://%s\n", pl.Addr())
	fmt.Printf("Patchbay serving on http://%s\n", ln.Addr())
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	return srv.Serve(ln)
}

// profiler fetches profiles from a serve-pprof process.
type profiler struct {
	dir  string
	base string // pprof origin
}

// cpu records a CPU profile of d while fn runs (fn should last longer).
func (p *profiler) cpu(ctx context.Context, name string, d time.Duration, fn func() error) error {
	if p == nil {
		return fn()
	}
	errc := make(chan error, 1)
	go func() {
		time.Sleep(200 * time.Millisecond) // past the warm-up's start
		errc <- p.fetch(ctx, fmt.Sprintf("/debug/pprof/profile?seconds=%d", max(1, int(d.Seconds()))), name+".cpu.pprof")
	}()
	err := fn()
	if perr := <-errc; perr != nil {
		fmt.Println("profile:", perr)
	}
	return err
}

func (p *profiler) fetch(ctx context.Context, path, file string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.base+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	f, err := os.Create(filepath.Join(p.dir, file))
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}
