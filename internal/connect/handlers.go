package connect

import (
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

// CallbackHandler serves /integrated-account/connect/{integration}/callback.
// It needs no admin credential: the single-use state is the credential.
func (s *Service) CallbackHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		integ := r.PathValue("integration")
		acct, st, err := s.Complete(r.Context(), r, integ)
		returnTo := ""
		if st != nil {
			returnTo = st.ReturnTo
		}
		if err != nil {
			var fe *FlowError
			if !errors.As(err, &fe) {
				s.opts.Logger.ErrorContext(r.Context(), "connect: completing the flow", "integration", integ, "err", err)
				fe = &FlowError{http.StatusInternalServerError, "something went wrong; the error was logged"}
			}
			if returnTo != "" {
				// The dashboard shows only text Patchbay wrote, so the link
				// carries a code, never a message (which anyone could craft).
				s.opts.Logger.InfoContext(r.Context(), "connect: the flow failed", "integration", integ, "reason", fe.Msg)
				redirect(w, r, returnTo, url.Values{"connect_error": {ErrorCode(fe)}})
				return
			}
			page(w, fe.Status, "Connection failed", fe.Msg, "")
			return
		}
		if returnTo != "" {
			redirect(w, r, returnTo, url.Values{"connected": {acct.ID}})
			return
		}
		if wantsJSON(r) {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"id": acct.ID, "name": acct.Name, "status": acct.Status, "base_url": acct.BaseURL, "scopes": acct.Scopes})
			return
		}
		page(w, http.StatusOK, "Connected", "The account \""+acct.Name+"\" is connected. You can close this window.", acct.ID)
	})
}

// ErrorText is the text of each connect_error code the callback hands the
// dashboard: each is the start of the FlowError messages it stands for.
var ErrorText = map[string]string{
	"denied":            "the connection was not approved",
	"refused":           "the authorization server refused",
	"no_state":          "the callback carries no state: start the connection again from Patchbay",
	"unknown_link":      "this connection link is unknown or was already used: start the connection again from Patchbay",
	"expired":           "this connection link expired: start the connection again from Patchbay",
	"wrong_integration": "the state belongs to another integration",
	"no_code":           "the callback carries no authorization code",
	"exchange_failed":   "exchanging the authorization code failed",
	"bad_host":          "the token answer names an API host Patchbay will not call",
	"failed":            "the connection did not complete",
}

// ErrorCode is the connect_error code of a failed flow ("failed" when no
// more precise one fits).
func ErrorCode(fe *FlowError) string {
	for code, text := range ErrorText {
		if strings.HasPrefix(fe.Msg, text) {
			return code
		}
	}
	return "failed"
}

func wantsJSON(r *http.Request) bool {
	return r.URL.Query().Get("format") == "json" || r.Header.Get("Accept") == "application/json"
}

func redirect(w http.ResponseWriter, r *http.Request, path string, q url.Values) {
	u, err := url.Parse(path)
	if err != nil || !localPath(path) {
		page(w, http.StatusBadRequest, "Connection failed", "invalid return path", "")
		return
	}
	vals := u.Query()
	for k, v := range q {
		vals[k] = v
	}
	u.RawQuery = vals.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

var pageTmpl = template.Must(template.New("p").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.Title}} · Patchbay</title></head>
<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem">
<h1>{{.Title}}</h1><p>{{.Message}}</p>{{if .ID}}<p>Account id: <code>{{.ID}}</code></p>{{end}}
</body></html>`))

func page(w http.ResponseWriter, status int, title, msg, id string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	_ = pageTmpl.Execute(w, map[string]string{"Title": title, "Message": msg, "ID": id})
}

// StartHandler serves GET /integrated-account/connect/{integration}
// [?scopes=a,b&name=…&return_to=/ui/…]: it redirects to the vendor's
// consent page, or answers {"authorize_url": …} to ?format=json. Mount it
// behind admin authentication.
func (s *Service) StartHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		req := StartRequest{Integration: r.PathValue("integration"), Name: q.Get("name"), ReturnTo: q.Get("return_to")}
		for _, sc := range strings.FieldsFunc(q.Get("scopes"), func(c rune) bool { return c == ',' || c == ' ' }) {
			req.Scopes = append(req.Scopes, sc)
		}
		authURL, err := s.Start(r.Context(), r, req)
		if err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": "bad_request", "message": err.Error()})
			return
		}
		if wantsJSON(r) {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]string{"authorize_url": authURL})
			return
		}
		http.Redirect(w, r, authURL, http.StatusFound)
	})
}
