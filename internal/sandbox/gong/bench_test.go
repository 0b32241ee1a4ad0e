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
