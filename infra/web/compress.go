package web

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
)

// Pages and assets go out gzipped to every client that takes it (every
// browser does): a listing's page of ~30 KB is ~6 KB on the wire, which a
// phone on a slow link feels and which the api's write syscalls and the
// load balancer feel too. What is kept is compressed once, when kept (a
// visitor's shared page, render.go; the embedded assets, assets.go); a page
// drawn for one request is compressed on the way out at the fastest level.

// gzipFrom is the smallest body worth compressing: below it the gzip header
// and a round of the compressor cost more than the bytes saved.
const gzipFrom = 1024

// acceptsGzip says whether the request's Accept-Encoding takes gzip
// ("gzip", "gzip;q=0.5" or "*", not "gzip;q=0").
func acceptsGzip(r *http.Request) bool {
	for _, h := range r.Header.Values(echo.HeaderAcceptEncoding) {
		for _, part := range strings.Split(h, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			name = strings.ToLower(strings.TrimSpace(name))
			if name != "gzip" && name != "*" {
				continue
			}
			q := strings.ReplaceAll(strings.ToLower(params), " ", "")
			if q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000" {
				return true
			}
		}
	}
	return false
}

var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

// gzipFast compresses b at the fastest level into out, for a body sent once.
func gzipFast(out *bytes.Buffer, b []byte) {
	w := gzipWriters.Get().(*gzip.Writer)
	w.Reset(out)
	_, _ = w.Write(b) // writing to a bytes.Buffer does not fail
	_ = w.Close()
	gzipWriters.Put(w)
}

// gzipKept compresses b at gzip's default level, for a body kept and sent
// many times (the best level saves under 1% more at 1.4× the time); nil when
// b is too small to be worth it.
func gzipKept(b []byte) []byte {
	if len(b) < gzipFrom {
		return nil
	}
	var out bytes.Buffer
	w, _ := gzip.NewWriterLevel(&out, gzip.DefaultCompression)
	_, _ = w.Write(b)
	_ = w.Close()
	return out.Bytes()
}

// sendEncoded writes body, or its gzipped form gz when the client takes it
// (gz nil: compressed now if worth it). The length is always set, so the
// body goes out as it is, not in chunks.
func sendEncoded(c echo.Context, status int, contentType string, body, gz []byte) error {
	h := c.Response().Header()
	h.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
	if len(body) >= gzipFrom && acceptsGzip(c.Request()) {
		if gz == nil {
			buf := buffers.Get().(*bytes.Buffer)
			buf.Reset()
			defer buffers.Put(buf)
			gzipFast(buf, body)
			gz = buf.Bytes()
		}
		h.Set(echo.HeaderContentEncoding, "gzip")
		body = gz
	}
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
	return c.Blob(status, contentType, body)
}
