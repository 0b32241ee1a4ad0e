package contract_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// brambleServer is Bramble CRM as the contract tests meet it: one API host
// for every portal, page-numbered lists, bearer API keys and OAuth tokens,
// client_secret_post at the token endpoint, the portal named in the token
// answer, and X-RateLimit-* headers on a 429. It is the fixture's test
// server; Patchbay knows none of this except through testdata/bramble.
type brambleServer struct {
	*httptest.Server
	clientID, clientSecret string

	mu sync.Mutex
	// Portal ids are numbers, as vendors like HubSpot send them.
	tokens  map[string]int // access token or API key -> portal id
	refresh map[string]int // refresh token -> portal id (single use)
	codes   map[string]int // authorization code -> portal id

	force429 atomic.Bool
	// tokenAuth records how the client authenticated at the token endpoint
	// the last time ("basic" or "client_secret_post").
	tokenAuth atomic.Value
	requests  atomic.Int64
}

const (
	bramblePageSize = 10
	brambleContacts = 25 // three pages
	brambleDeals    = 13 // two pages
)

func newBrambleServer(t *testing.T) *brambleServer {
	b := &brambleServer{clientID: "bramble-client", clientSecret: "bramble-secret",
		tokens: map[string]int{}, refresh: map[string]int{}, codes: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", b.authorize)
	mux.HandleFunc("POST /token", b.token)
	mux.HandleFunc("GET /v1/me", b.api(b.me))
	mux.HandleFunc("GET /v1/contacts", b.api(b.listContacts))
	mux.HandleFunc("GET /v1/contacts/{id}", b.api(b.getContact))
	mux.HandleFunc("POST /v1/contacts", b.api(b.createContact))
	mux.HandleFunc("POST /v1/deals/search", b.api(b.searchDeals))
	b.Server = httptest.NewServer(mux)
	t.Cleanup(b.Close)
	return b
}

// apiKey issues a bearer API key for a portal.
func (b *brambleServer) apiKey(portal int) string {
	key := "bk_" + randomHex()
	b.mu.Lock()
	b.tokens[key] = portal
	b.mu.Unlock()
	return key
}

func randomHex() string {
	buf := make([]byte, 12)
	_, _ = rand.Read(buf)
	return hex.EncodeToString(buf)
}

// authorize approves at once, for the portal the test "signs in" to
// (the login query value).
func (b *brambleServer) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != b.clientID {
		http.Error(w, "unknown client", http.StatusBadRequest)
		return
	}
	portal, err := strconv.Atoi(q.Get("login"))
	if err != nil {
		http.Error(w, "sign in to a portal", http.StatusBadRequest)
		return
	}
	code := "code-" + randomHex()
	b.mu.Lock()
	b.codes[code] = portal
	b.mu.Unlock()
	back, _ := url.Parse(q.Get("redirect_uri"))
	v := back.Query()
	v.Set("code", code)
	v.Set("state", q.Get("state"))
	back.RawQuery = v.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// token takes the client's id and secret in the form only, as
// client_secret_post says; Basic credentials are refused.
func (b *brambleServer) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	fail := func(status int, code string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": code})
	}
	if _, _, basic := r.BasicAuth(); basic {
		b.tokenAuth.Store("basic")
		fail(http.StatusUnauthorized, "invalid_client")
		return
	}
	b.tokenAuth.Store("client_secret_post")
	if r.PostForm.Get("client_id") != b.clientID || r.PostForm.Get("client_secret") != b.clientSecret {
		fail(http.StatusUnauthorized, "invalid_client")
		return
	}
	b.mu.Lock()
	var portal int
	var ok bool
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		portal, ok = b.codes[r.PostForm.Get("code")]
		delete(b.codes, r.PostForm.Get("code"))
	case "refresh_token":
		portal, ok = b.refresh[r.PostForm.Get("refresh_token")]
		delete(b.refresh, r.PostForm.Get("refresh_token"))
	}
	if !ok {
		b.mu.Unlock()
		fail(http.StatusBadRequest, "invalid_grant")
		return
	}
	access, refresh := "at-"+randomHex(), "rt-"+randomHex()
	b.tokens[access], b.refresh[refresh] = portal, portal
	b.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": access, "refresh_token": refresh, "token_type": "bearer",
		"expires_in": 1800, "scope": "contacts.read deals.read", "portal_id": portal})
}

// api checks the bearer credential and the rate limit, then serves h for
// the credential's portal.
func (b *brambleServer) api(h func(w http.ResponseWriter, r *http.Request, portal int)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b.requests.Add(1)
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		b.mu.Lock()
		portal, ok := b.tokens[tok]
		b.mu.Unlock()
		if !ok {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"trace_id": "tr-401", "messages": []string{"invalid credentials"}})
			return
		}
		if b.force429.Load() {
			w.Header().Set("X-RateLimit-Limit", "100")
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", "7")
			w.Header().Set("Retry-After", "7")
			writeJSON(w, http.StatusTooManyRequests, map[string]any{"trace_id": "tr-429", "messages": []string{"slow down"}})
			return
		}
		h(w, r, portal)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (b *brambleServer) me(w http.ResponseWriter, _ *http.Request, portal int) {
	writeJSON(w, http.StatusOK, map[string]any{"portal": map[string]any{"id": portal, "name": fmt.Sprintf("Portal %d", portal)}})
}

// page cuts items 1..total into pages of bramblePageSize.
func page(n, total int, item func(i int) map[string]any) ([]map[string]any, map[string]any) {
	if n < 1 {
		n = 1
	}
	out := []map[string]any{}
	for i := (n-1)*bramblePageSize + 1; i <= min(n*bramblePageSize, total); i++ {
		out = append(out, item(i))
	}
	return out, map[string]any{"page": n, "more": n*bramblePageSize < total}
}

func contact(portal, i int) map[string]any {
	return map[string]any{"id": fmt.Sprintf("%d-c%d", portal, i), "name": fmt.Sprintf("Contact %d", i),
		"email": fmt.Sprintf("c%d@p%d.example", i, portal), "notes": strings.Repeat("n", 120)}
}

func (b *brambleServer) listContacts(w http.ResponseWriter, r *http.Request, portal int) {
	n, _ := strconv.Atoi(r.URL.Query().Get("page"))
	items, paging := page(n, brambleContacts, func(i int) map[string]any { return contact(portal, i) })
	writeJSON(w, http.StatusOK, map[string]any{"contacts": items, "paging": paging})
}

func (b *brambleServer) getContact(w http.ResponseWriter, r *http.Request, portal int) {
	id := r.PathValue("id")
	for i := 1; i <= brambleContacts; i++ {
		if c := contact(portal, i); c["id"] == id {
			writeJSON(w, http.StatusOK, c)
			return
		}
	}
	writeJSON(w, http.StatusNotFound, map[string]any{"trace_id": "tr-404", "messages": []string{"no such contact"}})
}

func (b *brambleServer) createContact(w http.ResponseWriter, r *http.Request, portal int) {
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body["name"] == nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"trace_id": "tr-400", "messages": []string{"name is required"}})
		return
	}
	body["id"] = fmt.Sprintf("%d-new", portal)
	writeJSON(w, http.StatusCreated, body)
}

// searchDeals reads its page from the body; no body at all is every deal's
// first page (a "{}" body would do too, but Bramble never needs one).
func (b *brambleServer) searchDeals(w http.ResponseWriter, r *http.Request, portal int) {
	var body struct {
		Stage string `json:"stage"`
		Page  int    `json:"page"`
	}
	if r.ContentLength != 0 {
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"trace_id": "tr-400", "messages": []string{"bad body"}})
			return
		}
	}
	items, paging := page(body.Page, brambleDeals, func(i int) map[string]any {
		return map[string]any{"id": fmt.Sprintf("%d-d%d", portal, i), "title": fmt.Sprintf("Deal %d", i), "stage": "open"}
	})
	writeJSON(w, http.StatusOK, map[string]any{"results": map[string]any{"deals": items}, "paging": paging})
}
