package credentials_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchbay-dev/patchbay/internal/credentials"
)

func TestCipherRoundTripAndRotation(t *testing.T) {
	oldKey, newKey := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	old, _ := credentials.NewCipher(oldKey)
	sealed, err := old.Seal([]byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("secret")) {
		t.Fatal("plaintext visible in sealed data")
	}
	again, _ := old.Seal([]byte("secret"))
	if bytes.Equal(sealed, again) {
		t.Fatal("two seals of the same text are equal: nonce reuse")
	}
	rotating, _ := credentials.NewCipher(newKey, oldKey)
	pt, err := rotating.Open(sealed)
	if err != nil || string(pt) != "secret" {
		t.Fatalf("rotating cipher could not open old data: %v", err)
	}
	if rotating.SealedBy(sealed) {
		t.Error("old data reported as sealed by the new key")
	}
	onlyNew, _ := credentials.NewCipher(newKey)
	if _, err := onlyNew.Open(sealed); err == nil {
		t.Error("a cipher without the old key opened old data")
	}
	tampered := append([]byte(nil), sealed...)
	tampered[len(tampered)-1] ^= 1
	if _, err := old.Open(tampered); err == nil {
		t.Error("tampered data opened")
	}
	for _, junk := range [][]byte{nil, {1}, {1, 2, 3, 4, 5}, {9, 0, 0, 0, 0, 0}} {
		if _, err := old.Open(junk); err == nil {
			t.Errorf("Open(%v) succeeded", junk)
		}
	}
	if _, err := credentials.NewCipher([]byte("short")); err == nil {
		t.Error("short key accepted")
	}
}

func TestParseKey(t *testing.T) {
	k := credentials.NewKey()
	if b, err := credentials.ParseKey(k); err != nil || len(b) != 32 {
		t.Fatalf("ParseKey(NewKey()) = %d bytes, %v", len(b), err)
	}
	for _, bad := range []string{"", "not base64!!", "c2hvcnQ="} {
		if _, err := credentials.ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) accepted", bad)
		}
	}
}

func TestKeyFileCreatedPrivateAndReused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "encryption.key")
	k1, err := credentials.LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v; want 0600", st.Mode().Perm(), err)
	}
	k2, err := credentials.LoadOrCreateKeyFile(path)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatal("second load returned a different key")
	}
}

func TestTokens(t *testing.T) {
	a, b := credentials.NewToken(credentials.MCPTokenPrefix), credentials.NewToken(credentials.MCPTokenPrefix)
	if a == b || !strings.HasPrefix(a, "pbm_") || len(a) < 40 {
		t.Fatalf("tokens %q %q", a, b)
	}
	if credentials.HashToken(a) == credentials.HashToken(b) || len(credentials.HashToken(a)) != 64 {
		t.Fatal("hashes collide or have the wrong length")
	}
	if !credentials.EqualHash(credentials.HashToken(a), credentials.HashToken(a)) || credentials.EqualHash(credentials.HashToken(a), credentials.HashToken(b)) {
		t.Fatal("EqualHash is wrong")
	}
}
