// Command patchbay turns connected SaaS accounts into scoped remote MCP
// servers. Subcommands: demo, serve, sandbox, api-token, version.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
)

const usage = `patchbay: connected SaaS accounts served as scoped remote MCP servers.

Usage:
  patchbay demo [--addr HOST:PORT] [--data-dir DIR]   everything on one machine, with the Gong sandbox
  patchbay serve [flags]                              the server, configured by flags and PATCHBAY_* variables
  patchbay api-token create --name NAME               mint an admin API token
  patchbay rotate-key                                 re-encrypt credentials under a new key
  patchbay connect gong [--name N] [--scopes a,b]     print an OAuth connect URL for a Gong company
  patchbay migrate-data --from URL --to URL [--force] copy every row between SQLite and PostgreSQL
  patchbay sandbox gong [--addr HOST:PORT] [--seed N] the Gong API emulator alone
  patchbay stdio --url MCP_URL [--header 'K: V']      stdio <-> Streamable HTTP bridge for desktop MCP clients
  patchbay stdio --server ID                          one MCP server of the database, over stdio
  patchbay version

Run "patchbay COMMAND -h" for a command's flags.
`

// defaultMemoryLimit is the Go runtime's soft memory limit unless
// GOMEMLIMIT says otherwise: Patchbay's live heap is small (about 15 MB
// under load), and the limit makes the runtime return garbage to the OS
// instead of keeping the high-water mark of request bursts (RSS 72 -> 58 MB
// in the benchmark's memory run; raise it with GOMEMLIMIT=128MiB to trade
// memory for less GC under heavy concurrency).
const defaultMemoryLimit = 32 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	if err := run(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "patchbay:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "demo":
		return runDemo(rest)
	case "serve":
		return runServe(rest)
	case "api-token":
		return runAPIToken(rest)
	case "rotate-key":
		return runRotateKey(rest)
	case "connect":
		return runConnect(rest)
	case "migrate-data":
		return runMigrateData(rest)
	case "stdio":
		return runStdio(rest)
	case "sandbox":
		return runSandbox(rest)
	case "version":
		fmt.Println("patchbay", version)
		return nil
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	}
	fmt.Fprint(os.Stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"
