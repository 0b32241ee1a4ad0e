package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// seed fills a new SQLite database with accounts integrated accounts on
// the sandbox and servers MCP servers spread evenly over them (every tool,
// no filters), and returns the servers' tokens.
func seed(ctx context.Context, path, key, sandbox, accessKey, secret string, accounts, servers int) ([]string, error) {
	db, err := openDB(ctx, path, key)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	ids := make([]string, accounts)
	for i := range accounts {
		a := &store.Account{
			Integration: "gong", Name: fmt.Sprintf("Bench account %d", i), BaseURL: sandbox,
			ExternalID:  fmt.Sprintf("bench:%d", i),
			Credentials: credentials.Upstream{Type: credentials.TypeAccessKey, AccessKey: accessKey, AccessKeySecret: secret},
		}
		if err := db.CreateAccount(ctx, a); err != nil {
			return nil, err
		}
		ids[i] = a.ID
	}
	tokens := make([]string, servers)
	for i := range servers {
		tok := credentials.NewToken(credentials.MCPTokenPrefix)
		s := &store.Server{AccountID: ids[i%accounts], Name: fmt.Sprintf("Bench server %d", i), TokenHash: credentials.HashToken(tok)}
		if err := db.CreateServer(ctx, s); err != nil {
			return nil, err
		}
		tokens[i] = tok
	}
	return tokens, nil
}

// startPatchbay runs `patchbay serve` on a database.
// With prof set, it runs `bench -role serve` (the same app with pprof)
// instead and points prof at its pprof port.
func startPatchbay(ctx context.Context, ps *procs, name, bin, dbPath, key, sandbox string, prof *profiler) (*proc, string, error) {
	var p *proc
	var err error
	if prof != nil {
		self, _ := os.Executable()
		p, err = ps.start(name, childEnv("BENCH_KEY="+key), self, "-role", "serve", "-database", dbPath, "-upstream", sandbox)
	} else {
		p, err = ps.start(name, childEnv(), bin, "serve",
			"--database", dbPath, "--encryption-key", key, "--sandbox-origin", sandbox, "--addr", "127.0.0.1:0")
	}
	if err != nil {
		return nil, "", err
	}
	if prof != nil {
		if prof.base, err = p.waitLine(ctx, "pprof: ", 60*time.Second); err != nil {
			p.stop()
			return nil, "", err
		}
	}
	base, err := p.waitLine(ctx, "Patchbay serving on ", 60*time.Second)
	if err != nil {
		p.stop()
		return nil, "", err
	}
	if err := waitHTTP(ctx, base+"/healthz", 10*time.Second); err != nil {
		p.stop()
		return nil, "", err
	}
	return p, base, nil
}
