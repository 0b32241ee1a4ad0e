package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/patchbay-dev/patchbay/internal/app"
)

// runRotateKey re-encrypts every stored credential under the current
// encryption key. The rotation, with no downtime:
//
//  1. restart every replica with PATCHBAY_ENCRYPTION_KEY=<new> and
//     PATCHBAY_OLD_ENCRYPTION_KEYS=<old> (they read both, write with new);
//  2. run `patchbay rotate-key` with the same settings;
//  3. drop PATCHBAY_OLD_ENCRYPTION_KEYS and restart again.
func runRotateKey(args []string) error {
	fs := flag.NewFlagSet("rotate-key", flag.ContinueOnError)
	var db dbFlags
	db.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	key, err := db.key(false)
	if err != nil {
		return err
	}
	old, err := db.oldEncryptionKeys()
	if err != nil {
		return err
	}
	if len(old) == 0 {
		return errors.New("give the previous key(s) in --old-encryption-keys / PATCHBAY_OLD_ENCRYPTION_KEYS; the new key in --encryption-key / PATCHBAY_ENCRYPTION_KEY")
	}
	ctx := context.Background()
	a, err := openApp(ctx, app.Config{DatabaseURL: db.databaseURL(), EncryptionKey: key, OldEncryptionKeys: old})
	if err != nil {
		return err
	}
	defer a.Close()
	n, err := a.Store.Reseal(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("Re-encrypted %d accounts under the new key. Remove the old keys from the configuration and restart.\n", n)
	return nil
}
