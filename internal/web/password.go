package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// argon2Params are Argon2id costs: OWASP's first recommendation (19 MiB,
// two passes, one lane). Stored with each hash, so raising them later
// keeps old hashes verifiable.
type argon2Params struct {
	memory  uint32 // KiB
	time    uint32
	threads uint8
}

// passwordParams may be lowered by tests; production never changes it.
var passwordParams = argon2Params{memory: 19 * 1024, time: 2, threads: 1}

// hashSlots lets two Argon2id computations run at a time, whatever the
// core count: each takes 19 MiB, and sign-in is open to anyone.
var hashSlots = make(chan struct{}, 2)

// idKey is Argon2id behind hashSlots.
func idKey(pw, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	return argonIDKey(pw, salt, time, memory, threads, keyLen)
}

// argonIDKey is argon2.IDKey; tests count the calls.
var argonIDKey = argon2.IDKey

const (
	minPasswordLen = 12
	maxPasswordLen = 256
)

func checkNewPassword(pw, confirm string) error {
	switch {
	case len(pw) < minPasswordLen:
		return fmt.Errorf("the password must be at least %d characters long", minPasswordLen)
	case len(pw) > maxPasswordLen:
		return fmt.Errorf("the password must be at most %d characters long", maxPasswordLen)
	case pw != confirm:
		return errors.New("the two passwords are not the same")
	}
	return nil
}

// hashPassword answers a PHC-style string:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>.
func hashPassword(pw string) string {
	p := passwordParams
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		panic(err)
	}
	sum := idKey([]byte(pw), salt, p.time, p.memory, p.threads, 32)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.memory, p.time, p.threads, enc.EncodeToString(salt), enc.EncodeToString(sum))
}

// verifyPassword checks pw against a hashPassword string in constant time.
func verifyPassword(encoded, pw string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var p argon2Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil {
		return false
	}
	// Refuse absurd costs from a tampered row rather than hang on them.
	if p.memory == 0 || p.memory > 1<<20 || p.time == 0 || p.time > 16 || p.threads == 0 {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || len(pw) > maxPasswordLen {
		return false
	}
	got := idKey([]byte(pw), salt, p.time, p.memory, p.threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
