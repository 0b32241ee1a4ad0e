//go:build postgres

package sqlstore_test

import (
	"testing"

	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/store/storetest"
)

func TestPostgresOAuthServerContract(t *testing.T) {
	storetest.RunOAuthServer(t, func(t *testing.T) store.Store { return openPostgres(t) })
}
