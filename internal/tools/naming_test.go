package tools_test

import (
	"testing"

	"github.com/patchbay-dev/patchbay/internal/tools"
)

func TestName(t *testing.T) {
	tests := []struct{ resource, singular, method, want string }{
		{"calls", "", "list", "list_all_gong_calls"},
		{"calls", "", "get", "get_single_gong_call_by_id"},
		{"calls", "", "create", "create_a_gong_call"},
		{"calls_transcript", "", "create", "create_a_gong_calls_transcript"},
		{"activity_aggregate_by_period", "", "create", "create_a_gong_activity_aggregate_by_period"},
		{"entities_get_briefs", "", "list", "list_all_gong_entities_get_briefs"},
		{"users", "", "update", "update_a_gong_user_by_id"},
		{"meetings", "", "delete", "delete_a_gong_meeting_by_id"},
		{"library_folders", "", "get", "get_single_gong_library_folder_by_id"},
		{"activities", "", "get", "get_single_gong_activity_by_id"},
		{"statuses", "", "get", "get_single_gong_status_by_id"},
		{"people", "person", "get", "get_single_gong_person_by_id"},
		{"calls", "", "search", "search_gong_calls"},
	}
	for _, tc := range tests {
		if got := tools.Name("gong", tc.resource, tc.singular, tc.method); got != tc.want {
			t.Errorf("Name(%s, %s) = %s, want %s", tc.resource, tc.method, got, tc.want)
		}
	}
}

func TestFilter(t *testing.T) {
	read := &tools.Tool{Name: "list_all_x_calls", Method: "list", Read: true, Tags: []string{"calls"}}
	postRead := &tools.Tool{Name: "create_a_x_transcript", Method: "create", Read: true, Tags: []string{"calls", "transcripts"}}
	write := &tools.Tool{Name: "create_a_x_call", Method: "create", Tags: []string{"calls"}}
	customRead := &tools.Tool{Name: "search_x_calls", Method: "search", Read: true, Custom: true, Tags: []string{"search"}}
	customWrite := &tools.Tool{Name: "erase_x_emails", Method: "erase", Custom: true, Tags: []string{"data_privacy"}}
	all := []*tools.Tool{read, postRead, write, customRead, customWrite}
	tests := []struct {
		name string
		f    tools.Filter
		want []*tools.Tool
	}{
		{"none", tools.Filter{}, all},
		{"read", tools.Filter{Methods: []string{"read"}}, []*tools.Tool{read, postRead, customRead}},
		{"write", tools.Filter{Methods: []string{"write"}}, []*tools.Tool{write, customWrite}},
		{"custom", tools.Filter{Methods: []string{"custom"}}, []*tools.Tool{customRead, customWrite}},
		{"exact method", tools.Filter{Methods: []string{"create"}}, []*tools.Tool{postRead, write}},
		{"exact tool", tools.Filter{Methods: []string{"search_x_calls"}}, []*tools.Tool{customRead}},
		{"tags any", tools.Filter{Tags: []string{"transcripts", "data_privacy"}}, []*tools.Tool{postRead, customWrite}},
		{"methods AND tags", tools.Filter{Methods: []string{"write"}, Tags: []string{"calls"}}, []*tools.Tool{write}},
		{"case matters", tools.Filter{Methods: []string{"READ"}}, nil},
	}
	for _, tc := range tests {
		var got []*tools.Tool
		for _, tl := range all {
			if tc.f.Allows(tl) {
				got = append(got, tl)
			}
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: %d tools, want %d", tc.name, len(got), len(tc.want))
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: got %s at %d, want %s", tc.name, got[i].Name, i, tc.want[i].Name)
			}
		}
	}
}
