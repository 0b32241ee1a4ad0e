package gong

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault is trouble injected in front of a route. Fields combine: Latency
// is waited first, then Drop, Force429 or Status answer instead of the
// handler; SlowBody stretches the real answer's body over that long.
type Fault struct {
	Latency  time.Duration // wait before answering
	Status   int           // answer with this status (an ErrorResponse body) instead of the handler
	Drop     bool          // hijack and close the connection without answering
	SlowBody time.Duration // dribble the body out over this long
	Force429 bool          // answer 429 with Retry-After, as Gong's rate limiter does
}

func (f Fault) zero() bool { return f == Fault{} }

type faultTable struct {
	mu     sync.Mutex
	routes map[string]Fault
}

func newFaultTable() *faultTable { return &faultTable{routes: map[string]Fault{}} }

// SetFault installs f for route, named like "GET /v2/calls" or
// "GET /v2/calls/{id}" (the pattern as the OpenAPI document spells it),
// "POST /oauth2/generate-customer-token", or "*" for every route. A zero
// Fault clears it. A route's own fault wins over "*".
func (s *Sandbox) SetFault(route string, f Fault) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if f.zero() {
		delete(s.faults.routes, route)
		return
	}
	s.faults.routes[route] = f
}

func (t *faultTable) lookup(key string) Fault {
	t.mu.Lock()
	defer t.mu.Unlock()
	if f, ok := t.routes[key]; ok {
		return f
	}
	return t.routes["*"]
}

// parseFaultHeader reads X-Sandbox-Fault, e.g.
// "status=503", "latency_ms=200, slow_body_ms=1000", "drop", "force_429".
func parseFaultHeader(h string) (Fault, error) {
	var f Fault
	for _, part := range strings.FieldsFunc(h, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		k, v, hasV := strings.Cut(part, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.TrimSpace(v)
		num := func() (int, error) { return strconv.Atoi(v) }
		flag := func() bool { return !hasV || v == "1" || strings.EqualFold(v, "true") }
		switch k {
		case "status":
			n, err := num()
			if err != nil || n < 100 || n > 599 {
				return f, fmt.Errorf("bad status %q", v)
			}
			f.Status = n
		case "latency_ms", "latency":
			n, err := num()
			if err != nil || n < 0 {
				return f, fmt.Errorf("bad latency %q", v)
			}
			f.Latency = time.Duration(n) * time.Millisecond
		case "slow_body_ms", "slow_body":
			n, err := num()
			if err != nil || n < 0 {
				return f, fmt.Errorf("bad slow_body %q", v)
			}
			f.SlowBody = time.Duration(n) * time.Millisecond
		case "drop":
			f.Drop = flag()
		case "force_429", "force429":
			f.Force429 = flag()
		default:
			return f, fmt.Errorf("unknown fault %q", k)
		}
	}
	return f, nil
}

// applyFaults runs the fault for key (the header's fault wins over a
// registered one). It returns the writer to use and false when the fault
// already answered the request.
func (s *Sandbox) applyFaults(x *exchange, key string) (http.ResponseWriter, bool) {
	f := s.faults.lookup(key)
	if h := x.r.Header.Get("X-Sandbox-Fault"); h != "" {
		hf, err := parseFaultHeader(h)
		if err != nil {
			x.fail(http.StatusBadRequest, "X-Sandbox-Fault: "+err.Error())
			return x.w, false
		}
		f = hf
	}
	if f.zero() {
		return x.w, true
	}
	if f.Latency > 0 {
		s.sleep(x.r, f.Latency)
	}
	switch {
	case f.Drop:
		dropConnection(x.w)
		return x.w, false
	case f.Force429:
		x.w.Header().Set("Retry-After", "1")
		x.fail(http.StatusTooManyRequests, "Too many requests, API calls limit exceeded. Retry after 1 seconds")
		return x.w, false
	case f.Status != 0:
		x.fail(f.Status, faultMessage(f.Status))
		return x.w, false
	}
	if f.SlowBody > 0 {
		return &slowWriter{ResponseWriter: x.w, r: x.r, total: f.SlowBody, sleep: s.sleep}, true
	}
	return x.w, true
}

func faultMessage(status int) string {
	if status >= 500 {
		return "Failed to complete the operation due to an unexpected error"
	}
	return http.StatusText(status)
}

// dropConnection closes the client connection without an answer. Behind a
// real server it hijacks the socket; elsewhere (a recorder) it aborts the
// handler the way net/http understands.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // reset rather than a polite FIN
			}
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// slowWriter spreads the body over total: it writes in ten slices and
// waits between them, flushing each so the client sees a trickle.
type slowWriter struct {
	http.ResponseWriter
	r     *http.Request
	total time.Duration
	sleep func(*http.Request, time.Duration)
}

func (w *slowWriter) Write(p []byte) (int, error) {
	const slices = 10
	step := (len(p) + slices - 1) / slices
	if step == 0 {
		return w.ResponseWriter.Write(p)
	}
	n := 0
	for n < len(p) {
		end := min(n+step, len(p))
		m, err := w.ResponseWriter.Write(p[n:end])
		n += m
		if err != nil {
			return n, err
		}
		if f, ok := w.ResponseWriter.(http.Flusher); ok {
			f.Flush()
		}
		if n < len(p) {
			w.sleep(w.r, w.total/slices)
			if w.r.Context().Err() != nil {
				return n, w.r.Context().Err()
			}
		}
	}
	return n, nil
}

// Hijack lets a drop fault still reach the connection through the wrapper.
func (w *slowWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if hj, ok := w.ResponseWriter.(http.Hijacker); ok {
		return hj.Hijack()
	}
	return nil, nil, fmt.Errorf("hijack not supported")
}

// faultRequest is the JSON body of POST /sandbox/faults.
type faultRequest struct {
	Route      string `json:"route"`
	LatencyMS  int    `json:"latency_ms"`
	Status     int    `json:"status"`
	Drop       bool   `json:"drop"`
	SlowBodyMS int    `json:"slow_body_ms"`
	Force429   bool   `json:"force_429"`
}

// serveAdmin serves the sandbox-only routes, for tests driving the
// sandbox from another process:
//
//	POST   /sandbox/faults  {"route":"GET /v2/calls","status":503,...}
//	DELETE /sandbox/faults  {"route":"GET /v2/calls"} or ?route=...; no route clears all
//	GET    /sandbox/faults  the installed faults
func (s *Sandbox) serveAdmin(x *exchange) {
	if x.r.URL.Path != "/sandbox/faults" {
		x.fail(http.StatusNotFound, "No sandbox endpoint "+x.r.URL.Path)
		return
	}
	switch x.r.Method {
	case http.MethodPost:
		var req faultRequest
		if !x.decode(&req) {
			return
		}
		if req.Route == "" {
			x.fail(http.StatusBadRequest, "route is required")
			return
		}
		if req.Status != 0 && (req.Status < 100 || req.Status > 599) {
			x.fail(http.StatusBadRequest, "status must be an HTTP status code")
			return
		}
		s.SetFault(req.Route, Fault{
			Latency:  time.Duration(req.LatencyMS) * time.Millisecond,
			Status:   req.Status,
			Drop:     req.Drop,
			SlowBody: time.Duration(req.SlowBodyMS) * time.Millisecond,
			Force429: req.Force429,
		})
		x.json(http.StatusOK, map[string]any{"requestId": x.id, "route": req.Route})
	case http.MethodDelete:
		route := x.query("route")
		if route == "" && x.r.ContentLength > 0 {
			var req faultRequest
			if !x.decode(&req) {
				return
			}
			route = req.Route
		}
		if route == "" {
			s.faults.mu.Lock()
			s.faults.routes = map[string]Fault{}
			s.faults.mu.Unlock()
		} else {
			s.SetFault(route, Fault{})
		}
		x.json(http.StatusOK, map[string]any{"requestId": x.id})
	case http.MethodGet:
		s.faults.mu.Lock()
		out := []faultRequest{}
		for k, f := range s.faults.routes {
			out = append(out, faultRequest{Route: k, LatencyMS: int(f.Latency / time.Millisecond), Status: f.Status,
				Drop: f.Drop, SlowBodyMS: int(f.SlowBody / time.Millisecond), Force429: f.Force429})
		}
		s.faults.mu.Unlock()
		x.json(http.StatusOK, map[string]any{"requestId": x.id, "faults": out})
	default:
		x.fail(http.StatusMethodNotAllowed, "use POST, DELETE or GET")
	}
}
