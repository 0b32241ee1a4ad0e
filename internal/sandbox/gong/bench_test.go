package gong

import (
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkListCallsPage serves one page of 100 calls (GET /v2/calls with
// a cursor) with the rate limits off.
func BenchmarkListCallsPage(b *testing.B) {
	s := New(Options{RatePerSecond: -1, DailyLimit: -1, Now: func() time.Time { return testNow }})
	req := httptest.NewRequest("GET", "/v2/calls", nil)
	req.SetBasicAuth(s.AccessKey(), s.AccessKeySecret())
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != 200 {
		b.Fatal(w.Code)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

// BenchmarkGenerate measures building the company (what New costs), for
// the realistic default and the small test company; -benchmem reports
// the memory it allocates.
func BenchmarkGenerate(b *testing.B) {
	for _, bc := range []struct {
		name  string
		small bool
	}{{"realistic", false}, {"small", true}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				New(Options{Small: bc.small, Now: func() time.Time { return testNow }})
			}
		})
	}
}

// BenchmarkBuildTranscript measures generating one call's transcript and
// analysis from its seed, which the sandbox does on demand.
func BenchmarkBuildTranscript(b *testing.B) {
	s := New(Options{Now: func() time.Time { return testNow }})
	co := s.Company()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := co.Calls[(i*7919)%len(co.Calls)]
		buildContent(c, co)
	}
}
