// Package credentials holds what Patchbay knows about secrets: encryption
// at rest, token minting and hashing, and the upstream credential types.
package credentials

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the AES-256 key length in bytes.
const KeySize = 32

// Cipher seals secrets with AES-256-GCM. It seals under its first key and
// opens under any of its keys, so a key rotation can read old rows while it
// rewrites them.
type Cipher struct {
	keys []keyed // keys[0] seals
}

type keyed struct {
	id   [4]byte
	aead cipher.AEAD
}

const sealVersion = 1

// NewCipher builds a cipher from one or more 32-byte keys; the first seals.
func NewCipher(keys ...[]byte) (*Cipher, error) {
	if len(keys) == 0 {
		return nil, errors.New("no encryption key")
	}
	c := &Cipher{}
	for _, k := range keys {
		if len(k) != KeySize {
			return nil, fmt.Errorf("encryption key must be %d bytes, got %d", KeySize, len(k))
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(k)
		var id [4]byte
		copy(id[:], sum[:4])
		c.keys = append(c.keys, keyed{id: id, aead: aead})
	}
	return c, nil
}

// Seal encrypts plaintext: version byte, key id, nonce, ciphertext+tag.
// The key id lets Open pick the right key during a rotation.
func (c *Cipher) Seal(plaintext []byte) ([]byte, error) {
	k := c.keys[0]
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := make([]byte, 0, 1+4+len(nonce)+len(plaintext)+k.aead.Overhead())
	out = append(out, sealVersion)
	out = append(out, k.id[:]...)
	out = append(out, nonce...)
	return k.aead.Seal(out, nonce, plaintext, k.id[:]), nil
}

// ErrUndecryptable means no configured key opens the data.
var ErrUndecryptable = errors.New("cannot decrypt: wrong encryption key or corrupted data")

// Open decrypts what Seal produced under any configured key.
func (c *Cipher) Open(sealed []byte) ([]byte, error) {
	if len(sealed) < 5 || sealed[0] != sealVersion {
		return nil, ErrUndecryptable
	}
	for _, k := range c.keys {
		if string(k.id[:]) != string(sealed[1:5]) {
			continue
		}
		ns := k.aead.NonceSize()
		if len(sealed) < 5+ns {
			return nil, ErrUndecryptable
		}
		pt, err := k.aead.Open(nil, sealed[5:5+ns], sealed[5+ns:], k.id[:])
		if err != nil {
			return nil, ErrUndecryptable
		}
		return pt, nil
	}
	return nil, ErrUndecryptable
}

// SealedBy reports whether sealed was made with the cipher's sealing key.
func (c *Cipher) SealedBy(sealed []byte) bool {
	return len(sealed) >= 5 && string(sealed[1:5]) == string(c.keys[0].id[:])
}

// ParseKey decodes a base64 (standard or URL, padded or not) 32-byte key.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil {
			if len(k) != KeySize {
				return nil, fmt.Errorf("encryption key must decode to %d bytes, got %d", KeySize, len(k))
			}
			return k, nil
		}
	}
	return nil, errors.New("encryption key is not valid base64")
}

// NewKey returns a fresh random key, base64 encoded.
func NewKey() string {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		panic(err) // the OS random source never fails on supported platforms
	}
	return base64.StdEncoding.EncodeToString(k)
}

// LoadOrCreateKeyFile reads the key in path, or creates it with mode 0600.
// This is the embedded default's key; servers in production pass one.
func LoadOrCreateKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return ParseKey(string(b))
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	key := NewKey()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) { // another process won the race
			return LoadOrCreateKeyFile(path)
		}
		return nil, err
	}
	if _, err := f.WriteString(key + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return ParseKey(key)
}
