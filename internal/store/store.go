// Package store defines what Patchbay persists and the Store interface every
// database implementation satisfies. The contract test suite in storetest
// runs unchanged against each implementation.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/patchbay-dev/patchbay/internal/credentials"
)

var (
	// ErrNotFound: no such row (or it is expired, for MCP servers).
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique value is taken.
	ErrConflict = errors.New("conflict")
)

// Account statuses.
const (
	StatusActive      = "active"
	StatusNeedsReauth = "needs_reauth"
)

// Account is an integrated account: one connected upstream account.
type Account struct {
	ID          string
	Integration string
	Name        string
	BaseURL     string
	Status      string
	Scopes      []string // granted upstream scopes; nil = unknown
	// ExternalID identifies the upstream company (to reconnect in place).
	ExternalID  string
	Credentials credentials.Upstream // sealed at rest
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// Budget is the account's budget when it was read together with the
	// account (the MCP endpoint's one-query lookup); nil = not read.
	Budget *Budget
	// Pace makes Patchbay hold the account's plain tool calls until its
	// upstream rate allows them, instead of passing the vendor's 429 back.
	Pace bool
	// PaceMaxWaitSeconds bounds that hold (0–60); nil = DefaultPaceMaxWait.
	PaceMaxWaitSeconds *int
}

// DefaultPaceMaxWait is how long a paced call may be held by default.
const DefaultPaceMaxWait = 5 * time.Second

// MaxPaceMaxWaitSeconds bounds PaceMaxWaitSeconds.
const MaxPaceMaxWaitSeconds = 60

// PaceMaxWait is how long a paced call of the account may be held.
func (a *Account) PaceMaxWait() time.Duration {
	if a.PaceMaxWaitSeconds == nil {
		return DefaultPaceMaxWait
	}
	return time.Duration(*a.PaceMaxWaitSeconds) * time.Second
}

// ServerConfig is an MCP server's config as users write it.
type ServerConfig struct {
	Methods             []string `json:"methods,omitempty"`
	Tags                []string `json:"tags,omitempty"`
	RequireAPITokenAuth bool     `json:"require_api_token_auth"`
	// HideToolsMissingScopes leaves tools whose scopes the account was not
	// granted out of tools/list (they fail early on tools/call either way).
	HideToolsMissingScopes bool `json:"hide_tools_missing_scopes,omitempty"`
	// SearchFetch adds the search and fetch tools ChatGPT deep research
	// requires (over the account's calls).
	SearchFetch bool `json:"search_fetch,omitempty"`
	// Budget caps the calls this server makes upstream; nil = no cap.
	Budget *Budget `json:"budget,omitempty"`
	// OAuth makes the server reachable by OAuth: at /mcp/oauth/{id}, from
	// the /mcp/oauth picker, and (with RequireAPITokenAuth) on its token
	// URL with an OAuth access token. Off for servers made before it.
	OAuth bool `json:"oauth,omitempty"`
	// NoCredits leaves out the tools that spend vendor credits (the API's
	// config.allow_credits: false). Stored negated so that servers made
	// before it keep every tool.
	NoCredits bool `json:"no_credits,omitempty"`
	// MaxAnswerBytes is the answer budget: every tool answer stays within
	// it, whole items with a cursor to the rest; 0 means the default.
	MaxAnswerBytes int `json:"max_answer_bytes,omitempty"`
	// ToolExposure is how tools/list shows the tools: "all" (or empty,
	// for servers made before it) lists every tool; "discovery" lists
	// three meta-tools that search, describe and call them.
	ToolExposure string `json:"tool_exposure,omitempty"`
}

// The answer budget's default and bounds. 80,000 bytes is about 20,000
// tokens, under Claude Code's default limit of 25,000 tokens for an MCP
// tool's output; below 8,000 one transcript hardly fits.
const (
	DefaultMaxAnswerBytes = 80_000
	MinMaxAnswerBytes     = 8_000
	MaxMaxAnswerBytes     = 200_000
)

// AnswerBudget is the server's answer budget in bytes.
func (c ServerConfig) AnswerBudget() int {
	if c.MaxAnswerBytes <= 0 {
		return DefaultMaxAnswerBytes
	}
	return c.MaxAnswerBytes
}

// Budget caps upstream calls per minute and per day (UTC); 0 = no cap.
type Budget struct {
	PerMinute int `json:"per_minute,omitempty"`
	PerDay    int `json:"per_day,omitempty"`
}

// IsZero reports whether the budget caps nothing.
func (b *Budget) IsZero() bool { return b == nil || (b.PerMinute <= 0 && b.PerDay <= 0) }

// Tool exposure modes (config.tool_exposure, Truto's names).
const (
	ToolExposureAll       = "all"
	ToolExposureDiscovery = "discovery"
)

// Discovery reports whether the server lists meta-tools instead of its
// tools.
func (c ServerConfig) Discovery() bool { return c.ToolExposure == ToolExposureDiscovery }

// QuotaCharge is one call charged to one budget counter.
type QuotaCharge struct {
	Scope  string    // whose budget, e.g. "server:<id>" or "account:<id>"
	Window string    // "minute" or "day"
	Start  time.Time // the start of the current window
	Limit  int       // the most calls the window allows
}

// Server is an MCP server: a token-scoped view of one account.
type Server struct {
	ID        string
	AccountID string
	Name      string
	Config    ServerConfig
	TokenHash string
	ExpiresAt *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Expired reports whether the server is past its expiry at now.
func (s *Server) Expired(now time.Time) bool {
	return s.ExpiresAt != nil && !now.Before(*s.ExpiresAt)
}

// APIToken is an admin credential; only its hash is kept.
type APIToken struct {
	ID        string
	Name      string
	TokenHash string
	CreatedAt time.Time
}

// LogEntry is one MCP request as the audit trail sees it.
type LogEntry struct {
	ID             int64
	Time           time.Time
	ServerID       string
	AccountID      string
	RPCMethod      string // JSON-RPC method, e.g. tools/call
	Tool           string
	ClientName     string
	ClientVersion  string
	Status         string // ok, error, denied, invalid
	HTTPStatus     int
	UpstreamStatus int
	Duration       time.Duration
	Error          string
	// UpstreamRequests is how many requests the call sent upstream.
	UpstreamRequests int
}

// Session is a signed-in dashboard session; only its token's hash is kept,
// in the database so that every replica honours it.
type Session struct {
	ID        string
	TokenHash string
	// Via says which credential opened the session (for example the
	// generation of the admin password), so changing or revoking that
	// credential ends the session.
	Via       string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Expired reports whether the session is past its expiry at now.
func (s *Session) Expired(now time.Time) bool { return !now.Before(s.ExpiresAt) }

// LogFilter narrows a log listing; zero values match everything.
type LogFilter struct {
	AccountID string
	ServerID  string
	Tool      string
	Status    string
	Since     time.Time
	Limit     int // default 100, at most 1000
	BeforeID  int64
}

// Store is everything Patchbay persists. Implementations must be safe for
// concurrent use by several goroutines and several processes.
type Store interface {
	CreateAccount(ctx context.Context, a *Account) error
	GetAccount(ctx context.Context, id string) (*Account, error)
	ListAccounts(ctx context.Context) ([]*Account, error)
	UpdateAccount(ctx context.Context, a *Account) error
	// DeleteAccount removes the account and its MCP servers; it returns how
	// many servers went with it.
	DeleteAccount(ctx context.Context, id string) (int, error)

	CreateServer(ctx context.Context, s *Server) error
	GetServer(ctx context.Context, id string) (*Server, error)
	// ServerByTokenHash finds a server by its token hash.
	ServerByTokenHash(ctx context.Context, hash string) (*Server, error)
	ListServers(ctx context.Context, accountID string) ([]*Server, error)
	UpdateServer(ctx context.Context, s *Server) error
	DeleteServer(ctx context.Context, id string) error
	// DeleteExpiredServers removes servers whose expiry is at or before now.
	DeleteExpiredServers(ctx context.Context, now time.Time) (int, error)

	CreateAPIToken(ctx context.Context, t *APIToken) error
	APITokenByHash(ctx context.Context, hash string) (*APIToken, error)
	ListAPITokens(ctx context.Context) ([]*APIToken, error)
	DeleteAPIToken(ctx context.Context, id string) error

	AppendLog(ctx context.Context, e *LogEntry) error
	ListLogs(ctx context.Context, f LogFilter) ([]*LogEntry, error)

	// GetSetting reads a named value (ErrNotFound when unset).
	GetSetting(ctx context.Context, key string) (string, error)
	// SetSetting writes a named value, replacing any previous one.
	SetSetting(ctx context.Context, key, value string) error
	// CreateSetting writes a named value only if it is unset (ErrConflict
	// otherwise), so two racing first-run requests cannot both win.
	CreateSetting(ctx context.Context, key, value string) error

	CreateSession(ctx context.Context, s *Session) error
	// SessionByHash finds a session by its token hash, expired or not.
	SessionByHash(ctx context.Context, hash string) (*Session, error)
	DeleteSession(ctx context.Context, id string) error
	// DeleteExpiredSessions removes sessions whose expiry is at or before now.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)

	// AccountByExternalID finds the account of an upstream company, so a
	// reconnect updates it in place.
	AccountByExternalID(ctx context.Context, integration, externalID string) (*Account, error)
	// AcquireRefreshLease takes the account's token-refresh lease until
	// `until` if nobody holds it at `now`; false means another process is
	// refreshing. The lease is how replicas avoid spending a single-use
	// refresh token twice.
	AcquireRefreshLease(ctx context.Context, accountID string, now, until time.Time) (bool, error)
	// StoreRefreshedCredentials saves new credentials (and status) and
	// releases the refresh lease in one write.
	StoreRefreshedCredentials(ctx context.Context, accountID string, c credentials.Upstream, status string) error
	// ReleaseRefreshLease gives the lease up without changing credentials.
	ReleaseRefreshLease(ctx context.Context, accountID string) error

	// CreateOAuthState records a pending connect flow under its hash.
	CreateOAuthState(ctx context.Context, st *OAuthState) error
	// ConsumeOAuthState deletes and returns a state; each works once.
	ConsumeOAuthState(ctx context.Context, hash string) (*OAuthState, error)

	// SpendQuota charges one call to every counter, all or none: if any
	// counter would go past its limit, nothing is charged and the index of
	// the first such charge is returned; -1 means all were charged. A
	// counter whose window is older than the charge's starts again at 0.
	SpendQuota(ctx context.Context, charges []QuotaCharge) (int, error)
	// QuotaUsed is how many calls a counter holds for the window starting
	// at start (0 when its last call was in an earlier window).
	QuotaUsed(ctx context.Context, scope, window string, start time.Time) (int, error)
	// AccountBudget is an account's budget (zero when none is set).
	AccountBudget(ctx context.Context, accountID string) (Budget, error)
	// SetAccountBudget sets an account's budget; a zero budget removes it.
	SetAccountBudget(ctx context.Context, accountID string, b Budget) error

	// ReservePace schedules one upstream request of the account by the
	// generic cell rate algorithm: requests interval apart, with bursts of
	// tolerance/interval+1 allowed. It returns when to send (at or after
	// now) if that is at most maxWait away, moving the account's schedule
	// in one atomic write shared by every replica. ok false means the wait
	// would be longer: nothing is reserved, and slot is the earliest time
	// a request could be sent.
	ReservePace(ctx context.Context, accountID string, now time.Time, interval, tolerance, maxWait time.Duration) (slot time.Time, ok bool, err error)

	// OAuth authorization server: the clients, codes, grants and tokens
	// of MCP clients authorized to Patchbay itself (internal/oauth).
	OAuthServerStore

	Ping(ctx context.Context) error
	Close() error
}

// OAuthState is a pending OAuth connect flow; only its hash is stored.
type OAuthState struct {
	Hash        string
	Integration string
	Scopes      []string
	Name        string // name for a new account
	ReturnTo    string // where the browser goes afterwards (a local path)
	CreatedAt   time.Time
	ExpiresAt   time.Time
}
