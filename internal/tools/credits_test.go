package tools_test

import (
	"testing"

	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/tools"
)

// Finding 15: a read-only server could spend vendor credits with no way
// to exclude them. config.allow_credits: false (NoCredits) does.
func TestFilterLeavesOutCreditTools(t *testing.T) {
	t.Parallel()
	plain := &tools.Tool{Name: "list_all_x_calls", Method: "list", Read: true}
	credit := &tools.Tool{Name: "list_all_x_briefs", Method: "list", Read: true, Credits: true}
	for _, tc := range []struct {
		name          string
		cfg           store.ServerConfig
		plain, credit bool
	}{
		{"default allows credits", store.ServerConfig{}, true, true},
		{"read-only allows credits", store.ServerConfig{Methods: []string{"read"}}, true, true},
		{"no credits", store.ServerConfig{NoCredits: true}, true, false},
		{"no credits, named exactly", store.ServerConfig{NoCredits: true, Methods: []string{"list_all_x_briefs"}}, false, false},
	} {
		f := tools.FilterOf(tc.cfg)
		if f.Allows(plain) != tc.plain || f.Allows(credit) != tc.credit {
			t.Errorf("%s: plain %v credit %v, want %v %v", tc.name, f.Allows(plain), f.Allows(credit), tc.plain, tc.credit)
		}
	}
}
