package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/patchbay-dev/patchbay/internal/app"
	"github.com/patchbay-dev/patchbay/internal/stdio"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// headerFlags collects repeated --header "Name: value" flags.
type headerFlags http.Header

func (h headerFlags) String() string { return "" }

func (h headerFlags) Set(s string) error {
	k, v, err := stdio.ParseHeader(s)
	if err != nil {
		return err
	}
	http.Header(h).Add(k, v)
	return nil
}

// runStdio runs `patchbay stdio`: an MCP server on stdin/stdout for
// clients that only launch local commands. With --url it bridges to a
// remote MCP URL; with --server it serves one MCP server of the local
// database. Diagnostics go to stderr; stdout carries only MCP messages.
func runStdio(args []string) error {
	fs := flag.NewFlagSet("stdio", flag.ContinueOnError)
	url := fs.String("url", "", "MCP URL to bridge to, e.g. https://patchbay.example.com/mcp/pbm_…")
	headers := headerFlags{}
	fs.Var(headers, "header", `HTTP header for every request to --url, "Name: value" (repeatable), e.g. "Authorization: Bearer pba_…"`)
	serverID := fs.String("server", "", "id of an MCP server in the database to serve directly (instead of --url)")
	var db dbFlags
	db.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*url == "") == (*serverID == "") || fs.NArg() > 0 {
		return errors.New("usage: patchbay stdio --url MCP_URL [--header 'Name: value']...  or  patchbay stdio --server ID [--database URL] [--encryption-key KEY]")
	}
	// SIGTERM (and SIGINT) end the session; closing stdin does too.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	if *url != "" {
		if !strings.HasPrefix(*url, "http://") && !strings.HasPrefix(*url, "https://") {
			return errors.New("--url must be an http:// or https:// MCP URL")
		}
		b := &stdio.Bridge{URL: *url, Header: http.Header(headers), Logger: log}
		return b.Run(ctx)
	}

	key, err := db.key(false)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, app.Config{DatabaseURL: db.databaseURL(), EncryptionKey: key, Logger: log})
	if err != nil {
		return err
	}
	defer a.Close()
	err = a.MCP().ServeSession(ctx, *serverID, &sdk.StdioTransport{})
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no MCP server with id %q (or it expired); list them with GET /integrated-account/:id/mcp", *serverID)
	}
	return err
}
