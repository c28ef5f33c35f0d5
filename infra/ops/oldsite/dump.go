package oldsite

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
)

// Dump reads the old site's tables from a mysqldump file (plain or .gz), so
// an import needs neither the old server nor the right to create a database
// to load the dump into. It understands what mysqldump and mariadb-dump
// write: comments, CREATE TABLE (for the column order, as INSERTs name no
// columns by default), and extended INSERTs with MySQL string escapes.
type Dump struct{ Path string }

// Rows implements Source: it reads the dump once per call.
func (d Dump) Rows(ctx context.Context, table string, fn func(Row) error) error {
	f, err := os.Open(d.Path)
	if err != nil {
		return fmt.Errorf("opening the dump: %w", err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(d.Path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return fmt.Errorf("opening the dump: %w", err)
		}
		defer gz.Close()
		r = gz
	}
	columns := map[string][]string{}
	return statements(bufio.NewReaderSize(r, 1<<20), func(stmt string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		switch name, rest, kind := classify(stmt); kind {
		case "create":
			columns[name] = createColumns(rest)
		case "insert":
			if name != table {
				return nil
			}
			return insertRows(name, rest, columns[name], fn)
		}
		return nil
	})
}

// statements calls fn with every SQL statement of r, comments removed.
func statements(r *bufio.Reader, fn func(string) error) error {
	var b strings.Builder
	var quote rune // ' " ` while inside one
	lineStart := true
	for {
		c, _, err := r.ReadRune()
		if err == io.EOF {
			if s := strings.TrimSpace(b.String()); s != "" {
				return fn(s)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading the dump: %w", err)
		}
		if quote != 0 {
			b.WriteRune(c)
			switch {
			case c == '\\' && quote != '`':
				n, _, err := r.ReadRune()
				if err != nil {
					return fmt.Errorf("reading the dump: unterminated string")
				}
				b.WriteRune(n)
			case c == quote:
				quote = 0
			}
			continue
		}
		switch {
		case c == '\'' || c == '"' || c == '`':
			quote = c
			b.WriteRune(c)
		case c == '-' && lineStart && dashComment(r), c == '#' && lineStart:
			if _, err := r.ReadString('\n'); err != nil && err != io.EOF {
				return err
			}
			c = '\n'
		case c == '/' && peekIs(r, "*"):
			if err := skipBlockComment(r); err != nil {
				return err
			}
			c = ' '
		case c == ';':
			if s := strings.TrimSpace(b.String()); s != "" {
				if err := fn(s); err != nil {
					return err
				}
			}
			b.Reset()
		default:
			b.WriteRune(c)
		}
		lineStart = c == '\n' || (lineStart && (c == ' ' || c == '\t'))
	}
}

// dashComment reports whether a '-' just read starts a "-- " comment (the
// second dash followed by white space or the end of the line).
func dashComment(r *bufio.Reader) bool {
	p, _ := r.Peek(2)
	return len(p) >= 1 && p[0] == '-' && (len(p) == 1 || strings.IndexByte(" \t\r\n", p[1]) >= 0)
}

func peekIs(r *bufio.Reader, s string) bool {
	p, err := r.Peek(len(s))
	return err == nil && string(p) == s
}

// skipBlockComment skips /* ... */, including mysqldump's /*!40101 ... */
// version comments: they only set session variables.
func skipBlockComment(r *bufio.Reader) error {
	prev := rune(0)
	for {
		c, _, err := r.ReadRune()
		if err != nil {
			return fmt.Errorf("reading the dump: unterminated comment")
		}
		if prev == '*' && c == '/' {
			return nil
		}
		prev = c
	}
}

// classify returns a statement's kind ("create", "insert" or ""), its table
// and what follows the table name.
func classify(stmt string) (string, string, string) {
	upper := strings.ToUpper(stmt[:min(len(stmt), 32)]) // the longest prefix below is 27 bytes; an INSERT may be megabytes
	for _, k := range []struct{ prefix, kind string }{
		{"CREATE TABLE IF NOT EXISTS ", "create"}, {"CREATE TABLE ", "create"},
		{"INSERT INTO ", "insert"}, {"INSERT IGNORE INTO ", "insert"}, {"REPLACE INTO ", "insert"},
	} {
		if strings.HasPrefix(upper, k.prefix) {
			name, rest := identifier(strings.TrimSpace(stmt[len(k.prefix):]))
			return name, rest, k.kind
		}
	}
	return "", "", ""
}

// identifier reads a table or column name, quoted or not.
func identifier(s string) (string, string) {
	if strings.HasPrefix(s, "`") {
		if end := strings.Index(s[1:], "`"); end >= 0 {
			return s[1 : end+1], s[end+2:]
		}
	}
	end := strings.IndexAny(s, " (\t\n")
	if end < 0 {
		return s, ""
	}
	return s[:end], s[end:]
}

// createColumns returns the column names of a CREATE TABLE body, in order.
func createColumns(body string) []string {
	var cols []string
	for _, line := range strings.Split(body, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "`") {
			name, _ := identifier(line)
			cols = append(cols, name)
		}
	}
	return cols
}

// insertRows parses "[(`a`,`b`)] VALUES (..),(..)" and calls fn per row.
func insertRows(table, rest string, columns []string, fn func(Row) error) error {
	p := &parser{s: rest}
	p.space()
	if p.peek() == '(' { // an explicit column list
		p.i++
		columns = nil
		for {
			p.space()
			name, after := identifier(p.s[p.i:])
			columns = append(columns, strings.TrimSpace(name))
			p.i = len(p.s) - len(after)
			p.space()
			if p.peek() == ',' {
				p.i++
				continue
			}
			if p.peek() != ')' {
				return fmt.Errorf("%s: bad column list", table)
			}
			p.i++
			break
		}
	}
	if len(columns) == 0 {
		return fmt.Errorf("%s: no CREATE TABLE before its data, so no column names", table)
	}
	p.space()
	if !strings.HasPrefix(strings.ToUpper(p.s[p.i:]), "VALUES") {
		return fmt.Errorf("%s: expected VALUES", table)
	}
	p.i += len("VALUES")
	for {
		p.space()
		if p.i >= len(p.s) {
			return nil
		}
		values, err := p.tuple()
		if err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
		if len(values) != len(columns) {
			return fmt.Errorf("%s: a row has %d values for %d columns", table, len(values), len(columns))
		}
		row := make(Row, len(columns))
		for i, c := range columns {
			row[c] = values[i]
		}
		if err := fn(row); err != nil {
			return err
		}
		p.space()
		if p.peek() == ',' {
			p.i++
		}
	}
}

type parser struct {
	s string
	i int
}

func (p *parser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *parser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

// tuple parses "(v, v, ...)"; NULL is a nil value.
func (p *parser) tuple() ([]*string, error) {
	if p.peek() != '(' {
		return nil, fmt.Errorf("expected ( at %q", clip(p.s[p.i:]))
	}
	p.i++
	var out []*string
	for {
		p.space()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		p.space()
		switch p.peek() {
		case ',':
			p.i++
		case ')':
			p.i++
			return out, nil
		default:
			return nil, fmt.Errorf("expected , or ) at %q", clip(p.s[p.i:]))
		}
	}
}

func (p *parser) value() (*string, error) {
	rest := p.s[p.i:]
	upper := strings.ToUpper(rest[:min(len(rest), 8)])
	switch {
	case strings.HasPrefix(upper, "NULL"):
		p.i += 4
		return nil, nil
	case strings.HasPrefix(upper, "_BINARY "):
		p.i += len("_binary ")
		return p.value()
	case p.peek() == '\'' || p.peek() == '"':
		s, err := p.str()
		return &s, err
	}
	start := p.i // a number, or 0x... hex
	for p.i < len(p.s) && strings.IndexByte(",) \t\r\n", p.s[p.i]) < 0 {
		p.i++
	}
	v := p.s[start:p.i]
	if v == "" {
		return nil, fmt.Errorf("expected a value at %q", clip(rest))
	}
	return &v, nil
}

// str reads a quoted string with MySQL's escapes.
func (p *parser) str() (string, error) {
	q := p.s[p.i]
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch {
		case c == '\\' && p.i < len(p.s):
			e := p.s[p.i]
			p.i++
			b.WriteString(map[byte]string{'0': "\x00", 'n': "\n", 'r': "\r", 't': "\t", 'Z': "\x1a", 'b': "\b"}[e])
			if strings.IndexByte("0nrtZb", e) < 0 {
				b.WriteByte(e) // \' \" \\ \% \_ and anything else: the character itself
			}
		case c == q && p.peek() == q: // '' inside '...'
			b.WriteByte(q)
			p.i++
		case c == q:
			return b.String(), nil
		default:
			b.WriteByte(c)
		}
	}
	return "", fmt.Errorf("unterminated string")
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
