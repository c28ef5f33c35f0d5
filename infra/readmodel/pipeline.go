package readmodel

import (
	"context"
	"runtime"
	"strings"
	"sync"

	goredis "github.com/redis/go-redis/v9"
)

// writePipe sends the put.lua writes of concurrent callers together: a write
// made while another pipeline is on its way waits for it and leaves with the
// next, so many writes share one round trip. A worker handles a batch of
// stream entries at once (infra/stream.Batched), one goroutine each; sent one
// by one, each write cost the worker a round trip of its own (a write, a read
// and the scheduling around them), as much CPU as Redis spent running the
// script, and Redis a read and a write of its own. A lone write goes out at
// once, as before: nothing waits for company.
type writePipe struct {
	client goredis.UniversalClient

	mu      sync.Mutex
	queue   []*pipeCall
	sending int // pipelines on their way
}

// maxSending is how many pipelines may be on their way at once, so the next
// fills up while earlier ones are sent or run, and one slow round trip does
// not hold every write behind it.
const maxSending = 8

// maxPipe bounds one pipeline, so a long queue is sent in parts.
const maxPipe = 256

type pipeCall struct {
	args []any
	n    int64
	err  error
	done chan struct{}
}

// put runs put.lua with args and returns its answer. A caller whose ctx ends
// stops waiting; its write may still be applied (a compare-and-set: harmless).
func (p *writePipe) put(ctx context.Context, args []any) (int64, error) {
	c := &pipeCall{args: args, done: make(chan struct{})}
	p.mu.Lock()
	p.queue = append(p.queue, c)
	if p.sending < maxSending {
		p.sending++
		go p.send()
	}
	p.mu.Unlock()
	select {
	case <-c.done:
		return c.n, c.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// send sends what is queued, in pipelines of at most maxPipe, until nothing is.
func (p *writePipe) send() {
	// Let the writes made at the same moment (a batch's handlers) join first.
	runtime.Gosched()
	for {
		p.mu.Lock()
		n := min(len(p.queue), maxPipe)
		if n == 0 {
			p.sending--
			p.mu.Unlock()
			return
		}
		calls := p.queue[:n:n]
		p.queue = p.queue[n:]
		p.mu.Unlock()
		p.run(calls)
	}
}

// run sends calls in one pipeline of EVALSHAs. Those Redis answers NOSCRIPT
// (restarted, failed over: it lost its scripts) are sent once more after the
// script is loaded; the others are not, so what they report stays true.
func (p *writePipe) run(calls []*pipeCall) {
	ctx := context.Background() // the client's timeouts bound it; callers may leave earlier
	for attempt := 0; len(calls) > 0; attempt++ {
		pipe := p.client.Pipeline()
		cmds := make([]*goredis.Cmd, len(calls))
		for i, c := range calls {
			cmds[i] = putScript.EvalSha(ctx, pipe, nil, c.args...)
		}
		_, _ = pipe.Exec(ctx) // each command carries its own error
		var again []*pipeCall
		for i, c := range calls {
			c.n, c.err = cmds[i].Int64()
			if c.err != nil && attempt == 0 && strings.HasPrefix(c.err.Error(), "NOSCRIPT") {
				again = append(again, c)
				continue
			}
			close(c.done)
		}
		if len(again) > 0 {
			if err := putScript.Load(ctx, p.client).Err(); err != nil {
				for _, c := range again {
					close(c.done) // with NOSCRIPT as the error
				}
				return
			}
		}
		calls = again
	}
}
