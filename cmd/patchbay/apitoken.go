package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/patchbay-dev/patchbay/internal/app"
	"github.com/patchbay-dev/patchbay/internal/credentials"
	"github.com/patchbay-dev/patchbay/internal/store"
)

// runAPIToken handles `patchbay api-token create --name NAME`: how the
// first admin credential of an installation is made.
func runAPIToken(args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: patchbay api-token create --name NAME [--database URL] [--encryption-key KEY]")
	}
	fs := flag.NewFlagSet("api-token create", flag.ContinueOnError)
	var db dbFlags
	db.register(fs)
	name := fs.String("name", "", "a name that says who or what uses the token")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if strings.TrimSpace(*name) == "" {
		return errors.New("--name is required")
	}
	key, err := db.key(db.database == "")
	if err != nil {
		return err
	}
	ctx := context.Background()
	a, err := openApp(ctx, app.Config{DatabaseURL: db.databaseURL(), EncryptionKey: key})
	if err != nil {
		return err
	}
	defer a.Close()
	token, err := mintAPIToken(ctx, a.Store, *name)
	if err != nil {
		return err
	}
	fmt.Printf("API token: %s\n", token)
	return nil
}

func mintAPIToken(ctx context.Context, s store.Store, name string) (string, error) {
	token := credentials.NewToken(credentials.APITokenPrefix)
	err := s.CreateAPIToken(ctx, &store.APIToken{Name: name, TokenHash: credentials.HashToken(token)})
	return token, err
}
