package mcp

import (
	"strconv"
	"testing"
)

// The tools/list caches stop growing at their bounds: entries for the
// list of tools, bytes too for encoded lists.
func TestBoundedCache(t *testing.T) {
	for _, tc := range []struct {
		name     string
		maxBytes int
		size     int // of each entry
		want     int // entries kept out of maxCachedFilters+10 offered
	}{
		{"entries bound", 0, 80_000, maxCachedFilters},
		{"bytes bound", 1_000_000, 80_000, 12},
		{"bytes bound, exact fit", 800, 80, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := boundedCache{maxBytes: tc.maxBytes}
			for i := range maxCachedFilters + 10 {
				c.store(strconv.Itoa(i), i, tc.size)
				c.store(strconv.Itoa(i), -1, tc.size) // a second store of a key changes nothing
			}
			kept := 0
			for i := range maxCachedFilters + 10 {
				if v, ok := c.load(strconv.Itoa(i)); ok {
					kept++
					if v != i {
						t.Fatalf("key %d holds %v", i, v)
					}
				}
			}
			if kept != tc.want {
				t.Errorf("kept %d entries, want %d", kept, tc.want)
			}
		})
	}
}
