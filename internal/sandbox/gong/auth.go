package gong

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// deriveAccessKey makes the seed's access key pair. The key looks like
// Gong's (32 upper-case alphanumerics) and the secret like a JWT, as the
// real one does, so code that sanity-checks shapes sees familiar values.
func deriveAccessKey(seed uint64) (key, secret string) {
	h := hmac.New(sha256.New, []byte("patchbay-gong-sandbox-access-key"))
	fmt.Fprint(h, seed)
	sum := h.Sum(nil)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	var b strings.Builder
	for i := 0; i < 32; i++ {
		b.WriteByte(alphabet[sum[i]%32])
	}
	payload := base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf(`{"exp":4102444800,"accessKey":"%s"}`, b.String())))
	sig := base64.RawURLEncoding.EncodeToString(sum)
	return b.String(), "eyJhbGciOiJIUzI1NiJ9." + payload + "." + sig
}

// deriveClient makes the seed's OAuth client id and secret.
func deriveClient(seed uint64) (id, secret string) {
	h := hmac.New(sha256.New, []byte("patchbay-gong-sandbox-oauth-client"))
	fmt.Fprint(h, seed)
	sum := h.Sum(nil)
	return "sandbox-" + hex.EncodeToString(sum[:6]), hex.EncodeToString(sum[6:30])
}

func equalStrings(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// authenticate checks the Authorization header. Access-key (Basic) callers
// get every scope and a nil grant; Bearer callers get their OAuth grant.
// A non-zero status means the request must be refused with msg.
func (s *Sandbox) authenticate(r *http.Request, now time.Time) (g *grant, status int, msg string) {
	h := r.Header.Get("Authorization")
	scheme, cred, _ := strings.Cut(h, " ")
	switch strings.ToLower(scheme) {
	case "":
		return nil, http.StatusUnauthorized, "Unauthorized: the Authorization header is missing"
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
		if err != nil {
			return nil, http.StatusUnauthorized, "Unauthorized: malformed Basic credentials"
		}
		key, secret, _ := strings.Cut(string(raw), ":")
		if !equalStrings(key, s.accessKey) || !equalStrings(secret, s.accessSecret) {
			return nil, http.StatusUnauthorized, "Unauthorized: invalid access key or access key secret"
		}
		return nil, 0, ""
	case "bearer":
		g, reason := s.oauth.lookupAccess(strings.TrimSpace(cred), now)
		if g == nil {
			return nil, http.StatusUnauthorized, "Unauthorized: " + reason
		}
		return g, 0, ""
	}
	return nil, http.StatusUnauthorized, "Unauthorized: unsupported authorization scheme"
}
