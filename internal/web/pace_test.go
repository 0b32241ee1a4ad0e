package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The account pace form sets and refuses pacing through the same checks
// as the admin API.
func TestAccountPaceForm(t *testing.T) {
	e := newEnv(t, "")
	b := e.browser().signedIn()
	a := e.account("paced")
	base := "/ui/accounts/" + a.ID
	post := func(pace, wait string) answer {
		v := url.Values{"pace_max_wait_seconds": {wait}}
		if pace != "" {
			v.Set("pace", pace)
		}
		return b.post(base+"/servers", base+"/pace", v)
	}
	stored := func() (bool, int) {
		got, err := e.store.GetAccount(context.Background(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Pace, int(got.PaceMaxWait().Seconds())
	}
	if page := b.get(base + "/servers"); !strings.Contains(page.body, "Pacing: off") || !strings.Contains(page.body, `name="pace_max_wait_seconds" type="number" min="0" max="60" step="1" inputmode="numeric" value="5"`) {
		t.Error("the servers page does not show pacing off with the 5 s default")
	}
	wantStatus(t, "on", post("on", "15"), http.StatusSeeOther)
	if on, wait := stored(); !on || wait != 15 {
		t.Fatalf("after saving: pace %v, wait %d", on, wait)
	}
	if page := b.get(base + "/servers?done=pace"); !strings.Contains(page.body, "Account pacing saved.") || !strings.Contains(page.body, "Pacing: on, waits up to 15 s") {
		t.Error("the servers page does not show the saved pacing")
	}
	for _, bad := range []string{"61", "-1", "soon"} {
		if ans := post("", bad); ans.status != http.StatusBadRequest || !strings.Contains(ans.body, "pace_max_wait_seconds") || !strings.Contains(ans.body, `data-testid="account-pace-form" open`) {
			t.Errorf("wait %q: %d, or the form is not open to fix it", bad, ans.status)
		}
		if on, wait := stored(); !on || wait != 15 {
			t.Fatalf("a refused wait %q changed pacing: %v %d", bad, on, wait)
		}
	}
	wantStatus(t, "off", post("", "5"), http.StatusSeeOther)
	if on, wait := stored(); on || wait != 5 {
		t.Fatalf("after turning off: pace %v, wait %d", on, wait)
	}
}
