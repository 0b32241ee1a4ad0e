package gong

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // the company time zone must load on hosts without zoneinfo
)

// Options configures a sandbox. The zero value is a usable sandbox with
// Gong's default limits and credentials derived from seed 1.
type Options struct {
	Seed            int64            // deterministic synthetic company; 0 means 1
	Now             func() time.Time // clock for data generation and state machines; nil = time.Now
	RatePerSecond   int              // per-company call limit; 0 = Gong's 3; negative = unlimited
	DailyLimit      int              // per-company daily limit; 0 = Gong's 10,000; negative = unlimited
	AccessKey       string           // "" = derived from seed
	AccessKeySecret string           // "" = derived from seed
	ClientID        string           // the OAuth app the sandbox accepts; "" = derived default
	ClientSecret    string           // "" = derived default
	AccessTokenTTL  time.Duration    // OAuth access token lifetime; 0 = 24h (expires_in 86400)
	AutoApprove     bool             // /oauth2/authorize redirects back at once (sandbox only)
	Credits         int              // AI credits (briefs, ask-entity); 0 = 1000; negative = none (402)
	// Small generates the small company (50 users, about 1,000 calls, the
	// same stories) for fast tests; the default is the realistic one
	// (150 users, over 5,000 calls).
	Small bool
	// TimeZone is the company's IANA time zone, in which the stats
	// endpoints read and write dates; "" = America/New_York.
	TimeZone string
}

// Sandbox is an in-memory Gong tenant: one synthetic company behind the
// Gong v2 REST API, OAuth endpoints and a few sandbox-only admin routes.
// It is safe for concurrent use.
type Sandbox struct {
	opts    Options
	now     func() time.Time
	offset  atomic.Int64 // nanoseconds added by Advance
	baseURL atomic.Value // string

	accessKey, accessSecret string
	clientID, clientSecret  string
	tokenTTL                time.Duration

	mu      sync.RWMutex // guards company and the runtime state in state
	company *Company
	state   *runtimeState
	ids     *idGen
	loc     *time.Location // the company time zone

	limiter *rateLimiter
	oauth   *oauthStore
	faults  *faultTable
	cursors *cursorCodec
	credits atomic.Int64

	pendingErasures atomic.Int64 // erasures not yet applied; see settle

	reqSeq atomic.Uint64
	routes []*route

	// sleep waits for d unless ctx ends first; tests replace it to observe
	// latency faults without waiting.
	sleep func(r *http.Request, d time.Duration)
}

// New builds a sandbox and its synthetic company. Generation is
// deterministic for a given Seed and the day of Now: the data is anchored
// at the start of that day, so a restart later the same day answers the
// same. An unknown TimeZone falls back to America/New_York; use
// ValidTimeZone to refuse it first.
func New(opts Options) *Sandbox {
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	s := &Sandbox{opts: opts, now: now}
	seed := uint64(opts.Seed)
	s.accessKey, s.accessSecret = deriveAccessKey(seed)
	s.clientID, s.clientSecret = deriveClient(seed)
	if opts.AccessKey != "" {
		s.accessKey = opts.AccessKey
	}
	if opts.AccessKeySecret != "" {
		s.accessSecret = opts.AccessKeySecret
	}
	if opts.ClientID != "" {
		s.clientID = opts.ClientID
	}
	if opts.ClientSecret != "" {
		s.clientSecret = opts.ClientSecret
	}
	s.tokenTTL = opts.AccessTokenTTL
	if s.tokenTTL <= 0 {
		s.tokenTTL = 24 * time.Hour
	}
	switch {
	case opts.Credits == 0:
		s.credits.Store(1000)
	case opts.Credits > 0:
		s.credits.Store(int64(opts.Credits))
	}
	s.baseURL.Store("http://127.0.0.1:8090")
	s.ids = newIDGen(seed ^ 0x5eed)
	s.loc = companyLocation(opts.TimeZone)
	s.company = generateCompany(seed, now().UTC(), s.ids, opts.Small, s.loc)
	s.state = newRuntimeState()
	s.limiter = newRateLimiter(opts.RatePerSecond, opts.DailyLimit)
	s.oauth = newOAuthStore()
	s.faults = newFaultTable()
	s.cursors = newCursorCodec(seed)
	s.sleep = sleepCtx
	s.routes = buildRoutes()
	return s
}

// SetBaseURL tells the sandbox its own origin (for example
// http://127.0.0.1:8090). It appears in api_base_url_for_customer, call
// URLs and media URLs.
func (s *Sandbox) SetBaseURL(u string) { s.baseURL.Store(strings.TrimRight(u, "/")) }

func (s *Sandbox) base() string { return s.baseURL.Load().(string) }

// AccessKey is the access key accepted for Basic authentication.
func (s *Sandbox) AccessKey() string { return s.accessKey }

// AccessKeySecret is the secret paired with AccessKey.
func (s *Sandbox) AccessKeySecret() string { return s.accessSecret }

// ClientID is the OAuth client id of the one app the sandbox accepts.
func (s *Sandbox) ClientID() string { return s.clientID }

// ClientSecret is that app's client secret.
func (s *Sandbox) ClientSecret() string { return s.clientSecret }

// Company returns the synthetic company. Treat it as read-only: the
// sandbox keeps mutating its own copy while serving (uploaded calls,
// erasures, CRM uploads), so read it from tests between requests.
func (s *Sandbox) Company() *Company { return s.company }

// Advance moves the sandbox's clock forward by d, on top of Options.Now.
// It works with any clock, so tests that do not use Clock can still walk
// the state machines forward.
func (s *Sandbox) Advance(d time.Duration) { s.offset.Add(int64(d)) }

// Now is the sandbox's current time: Options.Now plus everything Advance
// added.
func (s *Sandbox) Now() time.Time { return s.now().Add(time.Duration(s.offset.Load())).UTC() }

// Credits reports the AI credits left.
func (s *Sandbox) Credits() int { return int(s.credits.Load()) }

func sleepCtx(r *http.Request, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

// exchange is one API request on its way through the sandbox.
type exchange struct {
	s      *Sandbox
	w      http.ResponseWriter
	r      *http.Request
	id     string // requestId echoed in every answer
	now    time.Time
	params map[string]string
	grant  *grant // nil for access-key (Basic) callers
	route  *route

	status int // answer built by json, written by flush
	body   []byte

	reqBody []byte // the JSON request body decode read, for cursor bindings
}

// ServeHTTP serves the whole Gong API plus /oauth2/* and /sandbox/*.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x := &exchange{s: s, w: w, r: r, id: s.newRequestID(), now: s.Now()}
	path := r.URL.Path
	defer x.flush()
	if strings.HasPrefix(path, "/sandbox/") {
		s.serveAdmin(x)
		return
	}
	rt, params, methodOK := s.match(r.Method, path)
	key := r.Method + " " + path
	if rt != nil {
		key = rt.key
	}
	x.route, x.params = rt, params
	w, ok := s.applyFaults(x, key)
	if !ok {
		return
	}
	x.w = w
	if strings.HasPrefix(path, "/oauth2/") {
		s.serveOAuth(x)
		return
	}
	if rt == nil {
		if methodOK {
			x.fail(http.StatusMethodNotAllowed, fmt.Sprintf("Request method '%s' is not supported", r.Method))
			return
		}
		x.fail(http.StatusNotFound, "No endpoint "+r.Method+" "+path)
		return
	}
	g, status, msg := s.authenticate(r, x.now)
	if status != 0 {
		x.fail(status, msg)
		return
	}
	x.grant = g
	s.settle(x.now)
	if retry, limited := s.limiter.take(x.now); limited {
		w.Header().Set("Retry-After", fmt.Sprint(retry))
		x.fail(http.StatusTooManyRequests, "Too many requests, API calls limit exceeded. Retry after "+fmt.Sprint(retry)+" seconds")
		return
	}
	if g != nil && rt.scope != "" && !g.has(rt.scope) {
		x.fail(http.StatusForbidden, "The access token lacks the required scope '"+rt.scope+"'")
		return
	}
	s.handleLocked(x, rt)
}

// handleLocked runs a handler under the data lock. Handlers only build the
// answer; it is written after the lock is released so a slow reader never
// holds up other requests.
func (s *Sandbox) handleLocked(x *exchange, rt *route) {
	if rt.write {
		s.mu.Lock()
		defer s.mu.Unlock()
	} else {
		s.mu.RLock()
		defer s.mu.RUnlock()
	}
	rt.handle(x)
}

// newRequestID returns a Gong-looking request id: lower-case base36.
func (s *Sandbox) newRequestID() string {
	n := s.reqSeq.Add(1)
	v := n*0x9e3779b97f4a7c15 ^ uint64(s.opts.Seed)<<17
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 0, 20)
	for i := 0; i < 13; i++ {
		b = append(b, digits[v%36])
		v /= 36
	}
	return string(b) + fmt.Sprintf("%06d", n%1000000)
}

// errorBody is Gong's ErrorResponse.
type errorBody struct {
	RequestID string   `json:"requestId"`
	Errors    []string `json:"errors"`
}

func (x *exchange) fail(status int, msgs ...string) {
	x.json(status, errorBody{RequestID: x.id, Errors: msgs})
}

// json writes v as the answer. The body is encoded in full first so that
// a handler never writes half an answer, and the lock is not held while a
// slow client reads.
func (x *exchange) json(status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		_ = json.NewEncoder(&buf).Encode(errorBody{RequestID: x.id, Errors: []string{"Failed to complete the operation due to an unexpected error"}})
	}
	x.status, x.body = status, buf.Bytes()
}

// flush writes the answer built by json, if any.
func (x *exchange) flush() {
	if x.status == 0 {
		return
	}
	h := x.w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", fmt.Sprint(len(x.body)))
	x.w.WriteHeader(x.status)
	_, _ = x.w.Write(x.body)
	x.status = 0
}

// decode reads a JSON request body into v. It answers 400 itself and
// returns false when the body is not valid JSON.
func (x *exchange) decode(v any) bool {
	raw, err := io.ReadAll(http.MaxBytesReader(x.w, x.r.Body, 16<<20))
	if err != nil {
		x.fail(http.StatusBadRequest, "Malformed request: "+err.Error())
		return false
	}
	x.reqBody = raw
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(v); err != nil {
		if err.Error() == "EOF" {
			x.fail(http.StatusBadRequest, "Malformed request: the request body is missing")
			return false
		}
		x.fail(http.StatusBadRequest, "Malformed request: JSON parse error: "+err.Error())
		return false
	}
	return true
}

func (x *exchange) query(name string) string { return x.r.URL.Query().Get(name) }

// DefaultTimeZone is the company time zone unless Options.TimeZone says
// otherwise: not UTC, so that clients see what a real company's stats do.
const DefaultTimeZone = "America/New_York"

// ValidTimeZone reports whether tz names a time zone the sandbox can use.
func ValidTimeZone(tz string) bool {
	_, err := time.LoadLocation(tz)
	return tz == "" || err == nil
}

func companyLocation(tz string) *time.Location {
	if tz == "" {
		tz = DefaultTimeZone
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc, _ = time.LoadLocation(DefaultTimeZone)
	}
	return loc
}
