package oauth

import (
	"net/netip"
	"testing"
)

// Finding 12: the metadata-fetch address filter took reserved ranges of
// IANA's special-purpose registries for public ones. One address in each
// registry entry, written out by hand, plus public neighbours.
func TestSpecialPurposeRangesRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr string
		want bool
	}{
		// public neighbours
		{"8.8.8.8", true}, {"1.1.1.1", true}, {"198.20.0.1", true}, {"223.255.255.254", true},
		{"100.128.0.1", true}, {"192.0.3.1", true}, {"2606:4700::1111", true}, {"2a00:1450:4001::1", true},
		{"64:ff9b:2::1", true}, {"2001:200::1", true},
		// IPv4 special-purpose registry
		{"0.1.2.3", false}, {"10.9.8.7", false}, {"100.64.0.1", false}, {"100.127.255.254", false},
		{"127.0.0.1", false}, {"169.254.169.254", false}, {"172.31.255.1", false},
		{"192.0.0.8", false}, {"192.0.0.170", false}, {"192.0.2.55", false}, {"192.31.196.1", false},
		{"192.52.193.1", false}, {"192.88.99.1", false}, {"192.168.1.1", false}, {"192.175.48.6", false},
		{"198.18.0.1", false}, {"198.19.255.254", false}, {"198.51.100.7", false}, {"203.0.113.9", false},
		{"224.0.0.251", false}, {"240.0.0.1", false}, {"254.1.2.3", false}, {"255.255.255.255", false},
		// IPv6 special-purpose registry
		{"::", false}, {"::1", false}, {"::ffff:10.0.0.1", false}, {"::ffff:198.18.0.1", false},
		{"64:ff9b::a00:1", false}, {"64:ff9b:1::1", false}, {"100::1", false}, {"100:0:0:1::1", false},
		{"2001::1", false}, {"2001:2::1", false}, {"2001:20::1", false}, {"2001:db8::1", false},
		{"2002:c000:0204::1", false}, {"2620:4f:8000::1", false}, {"3fff::1", false}, {"5f00::1", false},
		{"fc00::1", false}, {"fd12:3456::1", false}, {"fe80::1", false}, {"fec0::1", false}, {"ff02::1", false},
	}
	for _, tc := range tests {
		if got := publicAddr(netip.MustParseAddr(tc.addr)); got != tc.want {
			t.Errorf("publicAddr(%s) = %v, want %v", tc.addr, got, tc.want)
		}
	}
}
