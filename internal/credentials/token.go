package credentials

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// Token prefixes say what a leaked string is, so secret scanners and people
// can tell an MCP URL token from an admin API token.
const (
	MCPTokenPrefix = "pbm_"
	APITokenPrefix = "pba_"
)

// NewToken returns prefix + 256 random bits, URL-safe.
func NewToken(prefix string) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // the OS random source never fails on supported platforms
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is how tokens are stored and looked up: hex SHA-256. Tokens
// carry 256 bits of entropy, so a fast hash is enough (no password KDF).
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// EqualHash compares two hashes in constant time.
func EqualHash(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// Upstream credential types.
const (
	TypeAccessKey = "access_key"
	TypeAPIKey    = "api_key" // one key, sent as a bearer token
	TypeOAuth2    = "oauth2"
)

// Upstream is an integrated account's secret material, only ever stored
// sealed by a Cipher.
type Upstream struct {
	Type            string    `json:"type"`
	AccessKey       string    `json:"access_key,omitempty"`
	AccessKeySecret string    `json:"access_key_secret,omitempty"`
	APIKey          string    `json:"api_key,omitempty"`
	AccessToken     string    `json:"access_token,omitempty"`
	RefreshToken    string    `json:"refresh_token,omitempty"`
	Expiry          time.Time `json:"expiry,omitzero"`
}
