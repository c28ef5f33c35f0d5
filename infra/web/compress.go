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
// phone on a slow link feels (the api's requests/s do not change: see
// docs/BENCHMARKS.md, issue 10). What is kept is compressed once, when kept
// (a visitor's shared page, render.go; the embedded assets, assets.go); a
// page drawn for one request is compressed on the way out at the fastest
// level.

// gzipFrom is the smallest body worth compressing: below it the gzip header
// and a round of the compressor cost more than the bytes saved.
const gzipFrom = 1024

// acceptsGzip says whether the request's Accept-Encoding takes gzip
// ("gzip", "gzip;q=0.5" or "*", not "gzip;q=0").
func acceptsGzip(r *http.Request) bool {
	for _, h := range r.Header.Values(echo.HeaderAcceptEncoding) {
		for part := range strings.SplitSeq(h, ",") {
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

// gzipWriters keeps a compressor per level: one holds ~1 MB of tables, too
// much to make per page.
var gzipWriters = map[int]*sync.Pool{gzip.BestSpeed: gzipPool(gzip.BestSpeed), gzip.DefaultCompression: gzipPool(gzip.DefaultCompression)}

func gzipPool(level int) *sync.Pool {
	return &sync.Pool{New: func() any {
		w, _ := gzip.NewWriterLevel(nil, level)
		return w
	}}
}

// gzipInto compresses b into out at level (a key of gzipWriters).
func gzipInto(out *bytes.Buffer, b []byte, level int) {
	w := gzipWriters[level].Get().(*gzip.Writer)
	w.Reset(out)
	_, _ = w.Write(b) // writing to a bytes.Buffer does not fail
	_ = w.Close()
	gzipWriters[level].Put(w)
}

// gzipKept compresses b at gzip's default level, for a body kept and sent
// many times (the best level saved under 1% more at 1.4× the time on a
// listing page); nil when b is too small to be worth it.
func gzipKept(b []byte) []byte {
	if len(b) < gzipFrom {
		return nil
	}
	var out bytes.Buffer
	gzipInto(&out, b, gzip.DefaultCompression)
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
			gzipInto(buf, body, gzip.BestSpeed) // sent once: the fastest level
			gz = buf.Bytes()
		}
		h.Set(echo.HeaderContentEncoding, "gzip")
		body = gz
	}
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
	return c.Blob(status, contentType, body)
}
