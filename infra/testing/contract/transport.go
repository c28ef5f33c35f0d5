package contract

import (
	"bytes"
	"io"
	"net/http"
)

// Transport is an http.RoundTripper that holds every exchange through it to
// the contract and hands each mismatch to Fail (a test's Errorf), so any
// test's HTTP client checks what it sends and gets: the JSON client of
// testenv, a page-browsing client, a multipart upload.
type Transport struct {
	Contract *Contract
	// Fail gets the mismatch: it names the method, the path, the status and
	// what differs. It may be called from the goroutine of any request.
	Fail func(error)
	// AnswerOnly leaves the request unchecked (see CheckAnswer).
	AnswerOnly bool
	// Base sends the requests; nil is http.DefaultTransport.
	Base http.RoundTripper
}

// RoundTrip sends req and checks the exchange once the answer is read whole;
// the response it returns reads from that copy.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	var sent []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		sent, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		req = req.Clone(req.Context()) // a RoundTripper must not change the caller's request
		req.Body = io.NopCloser(bytes.NewReader(sent))
	}
	res, err := base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(raw))
	var mismatch error
	if t.AnswerOnly {
		mismatch = t.Contract.CheckAnswer(req, res.StatusCode, res.Header, raw)
	} else {
		mismatch = t.Contract.Check(req, sent, res.StatusCode, res.Header, raw)
	}
	if mismatch != nil {
		t.Fail(mismatch)
	}
	return res, nil
}
