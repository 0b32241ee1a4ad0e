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
		return errors.New(`usage: patchbay sandbox gong [--addr HOST:PORT] [--seed N] [--no-limits] [--small] [--time-zone ZONE]`)
	}
	fs := flag.NewFlagSet("sandbox gong", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8090", "address to listen on")
	seed := fs.Int64("seed", 1, "seed of the synthetic company")
	noLimits := fs.Bool("no-limits", false, "turn off Gong's rate limits (3/s, 10,000/day)")
	small := fs.Bool("small", false, "the small company (50 users, about 1,000 calls) instead of the realistic one (150 users, over 5,000 calls)")
	tz := fs.String("time-zone", gong.DefaultTimeZone, "the company's IANA time zone, in which the stats endpoints read and write dates")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if !gong.ValidTimeZone(*tz) {
		return fmt.Errorf("--time-zone: unknown time zone %q", *tz)
	}
	opts := gong.Options{Seed: *seed, Small: *small, TimeZone: *tz}
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
