package gong

import (
	"crypto/rand"
	"encoding/hex"
	mrand "math/rand/v2"
	"sort"
	"strconv"
	"sync"
)

// idGen hands out Gong-style numeric ids: 19-digit decimal strings, so they
// are larger than 2^53 (a client that parses them as float64 loses digits,
// exactly as with real Gong ids) yet still fit an int64 (the spec types some
// of them as int64). The first digit is 1..8 to stay below 2^63.
type idGen struct {
	mu   sync.Mutex
	r    *mrand.Rand
	used map[string]bool
}

func newIDGen(seed uint64) *idGen {
	return &idGen{r: mrand.New(mrand.NewPCG(seed, 0x9e3779b97f4a7c15)), used: map[string]bool{}}
}

func (g *idGen) next() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	for {
		n := int64(1+g.r.IntN(8))*1_000_000_000_000_000_000 + g.r.Int64N(1_000_000_000_000_000_000)
		id := strconv.FormatInt(n, 10)
		if len(id) == 19 && !g.used[id] {
			g.used[id] = true
			return id
		}
	}
}

// randomToken returns n random bytes, hex encoded. Used for secrets that
// must not be guessable (OAuth codes and tokens), so it is not seeded.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// sortedKeys returns a map's keys in order, for deterministic output.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
