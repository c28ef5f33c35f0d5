package web

import (
	"net/http"
	"testing"
)

func TestAcceptsGzip_takesGzipUnlessItsWeightIsZero(t *testing.T) {
	for h, want := range map[string]bool{
		"":                        false,
		"identity":                false,
		"gzip":                    true,
		"gzip, deflate, br, zstd": true, // what Chromium sends
		"br;q=1.0, GZIP;q=0.5":    true,
		"*":                       true,
		"gzip;q=0":                false,
		"gzip; q=0.000, identity": false,
		"deflate, br":             false,
		"x-gzip-not-really, br":   false,
		"identity;q=1, *;q=0.1":   true,
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		if h != "" {
			r.Header.Set("Accept-Encoding", h)
		}
		if got := acceptsGzip(r); got != want {
			t.Errorf("Accept-Encoding %q: %v, want %v", h, got, want)
		}
	}
}
