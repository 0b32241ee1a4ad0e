package fit

import "testing"

// A cursor a client passes back is outside input: Parse never panics, and
// one it accepts as Patchbay's says again what it said.
func FuzzParse(f *testing.F) {
	f.Add(Cursor{Upstream: "abc", Skip: 3}.String())
	f.Add("pb1.")
	f.Add("vendor-cursor")
	f.Fuzz(func(t *testing.T, s string) {
		c, ours, err := Parse(s)
		if !ours || err != nil {
			return
		}
		again, ours, err := Parse(c.String())
		if !ours || err != nil || again != c || c.Skip < 0 {
			t.Fatalf("%q: parsed %+v, which does not round-trip (%+v, %v)", s, c, again, err)
		}
	})
}
