package query

import (
	"bytes"
	"strconv"
)

// Body is a query's answer, already encoded: read models hold JSON, so the
// hot path writes bytes and never decodes or re-encodes them.
type Body struct {
	JSON    []byte
	Version int64  // the document's version, when the answer is one document
	Source  string // where the answer came from (see the From constants)
	// Private: this answer depends on who asked (a landlord reading what hangs
	// off their own unpublished listing), so a cache must not give it to
	// anyone else even when the query is Shared.
	Private bool
	// Sum, when not zero, names JSON by its content (128 bits of a keyed
	// hash): an answer kept and handed out many times (the near cache's)
	// carries it, so what is drawn from it (a page, keyed by its answers)
	// does not hash the same bytes again on every request. Code that
	// changes JSON must clear it.
	Sum Sum
}

// Sum is a content hash of an answer's JSON (Body.Sum).
type Sum [2]uint64

// Where an answer came from; exposed in the X-Read-Source header and in metrics.
const (
	FromRedis  = "redis"        // the read model
	FromMySQL  = "mysql"        // the MySQL reader: the read model missed or failed
	FromWriter = "mysql-writer" // the MySQL writer: the read model was older than min_version
	FromMemory = "memory"       // static data held in the process
)

// pageJSON assembles {"items":[...],"total":N,"page":P,"page_size":S} from encoded items.
func pageJSON(items [][]byte, total, page, size int) []byte {
	n := 64
	for _, it := range items {
		n += len(it) + 1
	}
	var b bytes.Buffer
	b.Grow(n)
	b.WriteString(`{"items":[`)
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(it)
	}
	b.WriteString(`],"total":`)
	b.WriteString(strconv.Itoa(total))
	b.WriteString(`,"page":`)
	b.WriteString(strconv.Itoa(page))
	b.WriteString(`,"page_size":`)
	b.WriteString(strconv.Itoa(size))
	b.WriteByte('}')
	return b.Bytes()
}
