package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/store/sqlstore"
)

// runMigrateData handles `patchbay migrate-data --from URL --to URL`: it
// moves an installation between the embedded SQLite database and
// PostgreSQL (either way), keeping every id, token hash and timestamp, so
// MCP URLs and API tokens keep working. Stop Patchbay before running it.
func runMigrateData(args []string) error {
	fs := flag.NewFlagSet("migrate-data", flag.ContinueOnError)
	from := fs.String("from", "", "the database to copy from: a SQLite path, sqlite://PATH or postgres://…")
	to := fs.String("to", "", "the database to copy into (created tables, no rows, unless --force)")
	force := fs.Bool("force", false, "replace whatever the target holds")
	var keys dbFlags
	fs.StringVar(&keys.encryptionKey, "encryption-key", envOr("PATCHBAY_ENCRYPTION_KEY", ""), "base64 of the 32-byte key the credentials are sealed with; both databases use it (env PATCHBAY_ENCRYPTION_KEY)")
	fs.StringVar(&keys.dataDir, "data-dir", envOr("PATCHBAY_DATA_DIR", defaultDataDir()), "where to find encryption.key when no key is given (the embedded default's data directory)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" || *to == "" {
		return errors.New("usage: patchbay migrate-data --from URL --to URL [--force] [--encryption-key KEY]")
	}
	if *from == *to {
		return errors.New("--from and --to name the same database")
	}
	key, err := keys.key(false)
	if err != nil {
		return err
	}
	cipher, err := credentials.NewCipher(key)
	if err != nil {
		return err
	}
	ctx := context.Background()
	src, err := sqlstore.Open(ctx, *from, cipher)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	defer src.Close()
	dst, err := sqlstore.Open(ctx, *to, cipher)
	if err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	defer dst.Close()
	counts, err := sqlstore.Copy(ctx, src, dst, sqlstore.CopyOptions{Force: *force})
	if errors.Is(err, sqlstore.ErrTargetNotEmpty) {
		return fmt.Errorf("%w; pass --force to replace its contents", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stdout, "copied %s → %s, row counts verified:\n", src.Dialect(), dst.Dialect())
	for _, c := range counts {
		fmt.Fprintf(os.Stdout, "  %-22s %d\n", c.Table, c.Rows)
	}
	return nil
}
