package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/patchbay-dev/patchbay/internal/app"
	"github.com/patchbay-dev/patchbay/internal/connect"
)

// runConnect handles `patchbay connect gong`: it starts an OAuth connect
// flow from the command line and prints the URL a Gong technical
// administrator opens to approve it. The running server finishes the flow
// at its callback.
func runConnect(args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return errors.New("usage: patchbay connect INTEGRATION [--name NAME] [--scopes a,b] (e.g. patchbay connect gong)")
	}
	integ := args[0]
	fs := flag.NewFlagSet("connect", flag.ContinueOnError)
	var db dbFlags
	db.register(fs)
	var oauth oauthFlags
	oauth.register(fs, integ)
	publicURL := fs.String("public-url", envOr("PATCHBAY_PUBLIC_URL", ""), "the server's public base URL, for the default redirect URL (env PATCHBAY_PUBLIC_URL)")
	name := fs.String("name", "", "name of the account to create")
	scopes := fs.String("scopes", "", "comma-separated scopes for this connection (default: the app's)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	appCfg := oauth.app()
	if appCfg.RedirectURL == "" {
		if *publicURL == "" {
			return errors.New("give --public-url (or PATCHBAY_PUBLIC_URL) or --" + integ + "-redirect-url so the flow can come back to Patchbay")
		}
		appCfg.RedirectURL = strings.TrimRight(*publicURL, "/") + connect.CallbackPath(integ)
	}
	key, err := db.key(db.database == "")
	if err != nil {
		return err
	}
	ctx := context.Background()
	a, err := openApp(ctx, app.Config{DatabaseURL: db.databaseURL(), EncryptionKey: key, OAuthApps: map[string]connect.App{integ: appCfg}})
	if err != nil {
		return err
	}
	defer a.Close()
	req := connect.StartRequest{Integration: integ, Name: *name}
	for _, s := range strings.Split(*scopes, ",") {
		if s = strings.TrimSpace(s); s != "" {
			req.Scopes = append(req.Scopes, s)
		}
	}
	u, err := a.Connect.Start(ctx, nil, req)
	if err != nil {
		return err
	}
	fmt.Printf("Open this URL as a technical administrator of the company (valid 10 minutes, once):\n%s\n", u)
	return nil
}
