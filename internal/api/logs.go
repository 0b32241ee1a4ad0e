package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/patchbay-dev/patchbay/internal/store"
)

type logJSON struct {
	ID                  int64  `json:"id"`
	CreatedAt           string `json:"created_at"`
	LogType             string `json:"log_type"`
	MCPServerID         string `json:"mcp_server_id"`
	IntegratedAccountID string `json:"integrated_account_id"`
	Method              string `json:"method"`
	Tool                string `json:"tool,omitempty"`
	ClientName          string `json:"client_name,omitempty"`
	ClientVersion       string `json:"client_version,omitempty"`
	Status              string `json:"status"`
	HTTPStatus          int    `json:"http_status"`
	UpstreamStatus      int    `json:"upstream_status,omitempty"`
	// UpstreamRequests is how many requests the call sent upstream.
	UpstreamRequests int     `json:"upstream_requests"`
	DurationMS       float64 `json:"duration_ms"`
	Error            string  `json:"error,omitempty"`
}

// listLogs answers GET /log?log_type=mcp[&integrated_account_id=&mcp_server_id=&tool=&status=&since=&limit=&next_cursor=].
func (a *API) listLogs(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if lt := q.Get("log_type"); lt != "" && lt != "mcp" {
		return badRequest("log_type must be \"mcp\"")
	}
	f := store.LogFilter{
		AccountID: q.Get("integrated_account_id"),
		ServerID:  q.Get("mcp_server_id"),
		Tool:      q.Get("tool"),
		Status:    q.Get("status"),
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return badRequest("limit must be a number from 1 to 1000")
		}
		f.Limit = n
	}
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return badRequest("since must be an RFC 3339 date-time")
		}
		f.Since = t
	}
	if v := q.Get("next_cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return badRequest("next_cursor is not valid")
		}
		f.BeforeID = n
	}
	if f.Limit == 0 {
		f.Limit = 100
	}
	entries, err := a.opts.Store.ListLogs(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]logJSON, 0, len(entries))
	for _, e := range entries {
		out = append(out, logJSON{
			ID: e.ID, CreatedAt: e.Time.Format(time.RFC3339Nano), LogType: "mcp", MCPServerID: e.ServerID, IntegratedAccountID: e.AccountID,
			Method: e.RPCMethod, Tool: e.Tool, ClientName: e.ClientName, ClientVersion: e.ClientVersion, Status: e.Status,
			HTTPStatus: e.HTTPStatus, UpstreamStatus: e.UpstreamStatus, UpstreamRequests: e.UpstreamRequests, DurationMS: float64(e.Duration.Microseconds()) / 1000, Error: e.Error,
		})
	}
	var next any
	if len(entries) == f.Limit {
		next = strconv.FormatInt(entries[len(entries)-1].ID, 10)
	}
	writeJSON(w, http.StatusOK, map[string]any{"result": out, "next_cursor": next})
	return nil
}
