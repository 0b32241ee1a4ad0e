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
	url := fs.String("url", "", "MCP URL to bridge to, e.g. https://patchbay.example.com/mcp/pbm_… (visible in ps: prefer $PATCHBAY_MCP_URL or --url-file)")
	urlFile := fs.String("url-file", "", "file holding the MCP URL to bridge to")
	headers := headerFlags{}
	fs.Var(headers, "header", `HTTP header for every request to the MCP URL, "Name: value" (repeatable; visible in ps: prefer $PATCHBAY_MCP_HEADERS or --header-file)`)
	headerFile := fs.String("header-file", "", `file of HTTP headers for the MCP URL, one "Name: value" a line`)
	serverID := fs.String("server", "", "id of an MCP server in the database to serve directly (instead of --url)")
	var db dbFlags
	db.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	bridgeURL, err := stdioURL(*url, *urlFile, *serverID)
	if err != nil {
		return err
	}
	if (bridgeURL == "") == (*serverID == "") || fs.NArg() > 0 {
		return errors.New("usage: patchbay stdio --url MCP_URL | --url-file FILE (or $PATCHBAY_MCP_URL) [--header 'Name: value']... [--header-file FILE] (or $PATCHBAY_MCP_HEADERS)  or  patchbay stdio --server ID [--database URL] [--encryption-key KEY]")
	}
	// SIGTERM (and SIGINT) end the session; closing stdin does too.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	if bridgeURL != "" {
		if !strings.HasPrefix(bridgeURL, "http://") && !strings.HasPrefix(bridgeURL, "https://") {
			return errors.New("the MCP URL must be an http:// or https:// URL")
		}
		hdr, err := stdioHeaders(http.Header(headers), *headerFile)
		if err != nil {
			return err
		}
		b := &stdio.Bridge{URL: bridgeURL, Header: hdr, Logger: log}
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

// stdioURL is the MCP URL to bridge to: --url, else the --url-file's
// content, else $PATCHBAY_MCP_URL (unless --server was given). The URL
// holds the server's token, so no error shows it.
func stdioURL(flagURL, file, serverID string) (string, error) {
	switch {
	case flagURL != "" && file != "":
		return "", errors.New("give --url or --url-file, not both")
	case flagURL != "":
		return flagURL, nil
	case file != "":
		raw, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("--url-file: %w", err)
		}
		return strings.TrimSpace(string(raw)), nil
	case serverID == "":
		return strings.TrimSpace(os.Getenv("PATCHBAY_MCP_URL")), nil
	}
	return "", nil
}

// stdioHeaders adds the --header-file's headers and $PATCHBAY_MCP_HEADERS
// (one "Name: value" a line) to the --header flags.
func stdioHeaders(flags http.Header, file string) (http.Header, error) {
	h := flags.Clone()
	add := func(what, text string) error {
		more, err := stdio.ParseHeaders(text)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		for k, vs := range more {
			h[k] = append(h[k], vs...)
		}
		return nil
	}
	if file != "" {
		raw, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("--header-file: %w", err)
		}
		if err := add("--header-file", string(raw)); err != nil {
			return nil, err
		}
	}
	if err := add("PATCHBAY_MCP_HEADERS", os.Getenv("PATCHBAY_MCP_HEADERS")); err != nil {
		return nil, err
	}
	return h, nil
}
