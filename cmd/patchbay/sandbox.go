package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"

	"github.com/patchbay-dev/patchbay/internal/sandbox/gong"
)

// runSandbox runs `patchbay sandbox gong`: the Gong API emulator on its
// own, until SIGINT or SIGTERM.
func runSandbox(args []string) error {
	if len(args) == 0 || args[0] != "gong" {
		return errors.New(`usage: patchbay sandbox gong [--addr HOST:PORT] [--seed N] [--no-limits]`)
	}
	fs := flag.NewFlagSet("sandbox gong", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8090", "address to listen on")
	seed := fs.Int64("seed", 1, "seed of the synthetic company")
	noLimits := fs.Bool("no-limits", false, "turn off Gong's rate limits (3/s, 10,000/day)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	opts := gong.Options{Seed: *seed}
	if *noLimits {
		opts.RatePerSecond, opts.DailyLimit = -1, -1
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	sb := gong.New(opts)
	base := "http://" + ln.Addr().String()
	sb.SetBaseURL(base)
	fmt.Printf("Gong sandbox: %s\n", base)
	fmt.Printf("Access key: %s\n", sb.AccessKey())
	fmt.Printf("Access key secret: %s\n", sb.AccessKeySecret())
	fmt.Printf("OAuth client id: %s\n", sb.ClientID())
	fmt.Printf("OAuth client secret: %s\n", sb.ClientSecret())

	return serveUntilSignal(context.Background(), ln, sb, newLogger())
}
