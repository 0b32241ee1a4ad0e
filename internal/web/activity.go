package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/patchbay-dev/patchbay/internal/api"
	"github.com/patchbay-dev/patchbay/internal/store"
	"github.com/patchbay-dev/patchbay/internal/tools"
)

// ---- tools tab ----

type toolRow struct {
	*tools.Tool
	Allowed string // "yes", "no", or "unknown" (the account's scopes are not known)
}

type toolsData struct {
	Account *accountView
	Tab     string
	Tools   []toolRow
	Allowed int
}

func (h *Handler) toolsPage(w http.ResponseWriter, r *http.Request, s *session) error {
	a, v, err := h.viewedAccount(r)
	if err != nil {
		return err
	}
	set, err := h.svc.ToolSet(a.Integration)
	if err != nil {
		return err
	}
	d := toolsData{Account: v, Tab: "tools"}
	for _, t := range set.Tools {
		row := toolRow{Tool: t, Allowed: "unknown"}
		if a.Scopes != nil {
			row.Allowed = "no"
			if api.ScopesGranted(a.Scopes, t.Scopes) {
				row.Allowed = "yes"
			}
		}
		if row.Allowed != "no" {
			d.Allowed++
		}
		d.Tools = append(d.Tools, row)
	}
	h.render(w, r, http.StatusOK, "tools", &page{Title: a.Name + ": tools", CSRF: s.csrf, SignedIn: true, Nav: "accounts", Data: d})
	return nil
}

// ---- activity tab ----

// activityRanges are the offered windows of the activity tab.
var activityRanges = []struct {
	Value, Label string
	D            time.Duration
}{
	{"1h", "Last hour", time.Hour},
	{"24h", "Last 24 hours", 24 * time.Hour},
	{"168h", "Last 7 days", 7 * 24 * time.Hour},
	{"720h", "Last 30 days", 30 * 24 * time.Hour},
}

var logStatuses = []string{"ok", "error", "denied", "invalid"}

type activityFilter struct {
	Server, Tool, Status, Range string
	Before                      int64
}

func readActivityFilter(r *http.Request) activityFilter {
	q := r.URL.Query()
	f := activityFilter{Server: q.Get("server"), Tool: q.Get("tool"), Status: q.Get("status"), Range: q.Get("range")}
	if _, ok := rangeOf(f.Range); !ok {
		f.Range = "24h"
	}
	if n, err := strconv.ParseInt(q.Get("before"), 10, 64); err == nil && n > 0 {
		f.Before = n
	}
	return f
}

func rangeOf(v string) (time.Duration, bool) {
	for _, c := range activityRanges {
		if c.Value == v {
			return c.D, true
		}
	}
	return 0, false
}

func (f activityFilter) store(acct string, now time.Time) store.LogFilter {
	d, _ := rangeOf(f.Range)
	return store.LogFilter{AccountID: acct, ServerID: f.Server, Tool: f.Tool, Status: f.Status, Since: now.Add(-d), BeforeID: f.Before}
}

// query is the filter as a query string (without the page cursor).
func (f activityFilter) query() string {
	v := url.Values{}
	for k, s := range map[string]string{"server": f.Server, "tool": f.Tool, "status": f.Status, "range": f.Range} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v.Encode()
}

type logRow struct {
	*store.LogEntry
	ServerName string
}

type activityData struct {
	Account   *accountView
	Tab       string
	Filter    activityFilter
	Query     string
	Entries   []logRow
	OlderThan int64 // cursor of the next page, 0 = none
	Servers   []*store.Server
	ToolNames []string
	Statuses  []string
	Ranges    any
}

const activityPageSize = 100

func (h *Handler) activityPage(w http.ResponseWriter, r *http.Request, s *session) error {
	a, v, err := h.viewedAccount(r)
	if err != nil {
		return err
	}
	f := readActivityFilter(r)
	lf := f.store(a.ID, h.opts.Now())
	lf.Limit = activityPageSize
	entries, err := h.opts.Store.ListLogs(r.Context(), lf)
	if err != nil {
		return err
	}
	servers, err := h.opts.Store.ListServers(r.Context(), a.ID)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, srv := range servers {
		names[srv.ID] = srv.Name
	}
	d := activityData{Account: v, Tab: "activity", Filter: f, Query: f.query(), Servers: servers, Statuses: logStatuses, Ranges: activityRanges}
	if set, err := h.svc.ToolSet(a.Integration); err == nil {
		for _, t := range set.Tools {
			d.ToolNames = append(d.ToolNames, t.Name)
		}
	}
	for _, e := range entries {
		name, ok := names[e.ServerID]
		if !ok {
			name = "revoked server"
		}
		d.Entries = append(d.Entries, logRow{LogEntry: e, ServerName: name})
	}
	if len(entries) == activityPageSize {
		d.OlderThan = entries[len(entries)-1].ID
	}
	h.render(w, r, http.StatusOK, "activity", &page{Title: a.Name + ": activity", CSRF: s.csrf, SignedIn: true, Nav: "accounts", Data: d})
	return nil
}

// series is the chart's data, in uPlot's column layout: bucket start
// times (Unix seconds) and, per bucket, calls and errors.
type series struct {
	Step   int64   `json:"step"`
	T      []int64 `json:"t"`
	Calls  []int   `json:"calls"`
	Errors []int   `json:"errors"`
	// Partial is true when the window held more entries than were counted.
	Partial bool `json:"partial"`
}

const (
	seriesBuckets    = 60
	seriesMaxEntries = 20_000
)

// activitySeries answers the chart's JSON: the filter's entries in the
// window, counted per bucket. Every request is a call; an error is any
// outcome but "ok".
func (h *Handler) activitySeries(w http.ResponseWriter, r *http.Request, s *session) error {
	a, err := h.account(r)
	if err != nil {
		return err
	}
	f := readActivityFilter(r)
	f.Before = 0
	now := h.opts.Now()
	d, _ := rangeOf(f.Range)
	step := d / seriesBuckets
	start := now.Add(-d).Truncate(step)
	out := series{Step: int64(step.Seconds()), T: make([]int64, seriesBuckets+1), Calls: make([]int, seriesBuckets+1), Errors: make([]int, seriesBuckets+1)}
	for i := range out.T {
		out.T[i] = start.Add(time.Duration(i) * step).Unix()
	}
	lf := f.store(a.ID, now)
	lf.Since = start
	lf.Limit = 1000
	seen := 0
	for {
		entries, err := h.opts.Store.ListLogs(r.Context(), lf)
		if err != nil {
			return err
		}
		for _, e := range entries {
			i := int(e.Time.Sub(start) / step)
			if i < 0 || i >= len(out.T) {
				continue
			}
			out.Calls[i]++
			if e.Status != "ok" {
				out.Errors[i]++
			}
		}
		seen += len(entries)
		if len(entries) < lf.Limit {
			break
		}
		if seen >= seriesMaxEntries {
			out.Partial = true
			break
		}
		lf.BeforeID = entries[len(entries)-1].ID
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	return json.NewEncoder(w).Encode(out)
}
