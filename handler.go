package rental

import (
	"context"

	"github.com/google/uuid"
)

// Handler is the shape of every use case, command or query: one input struct
// in, one result out. Decorators (logging, metrics) wrap any Handler the same way.
type Handler[C any, R any] interface {
	Handle(ctx context.Context, cmd C) (R, error)
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc[C any, R any] func(ctx context.Context, cmd C) (R, error)

func (f HandlerFunc[C, R]) Handle(ctx context.Context, cmd C) (R, error) { return f(ctx, cmd) }

// NewID returns a new UUIDv7: time-ordered, so it indexes well, and safe to
// generate on any node of a multi-primary cluster.
func NewID() uuid.UUID { return uuid.Must(uuid.NewV7()) }

// Next is a use case with its types erased, as a Middleware sees it.
type Next func(ctx context.Context, cmd any) (any, error)

// Middleware wraps every use case the same way (logging, metrics). It knows
// the use case only by name, so one middleware serves commands and queries alike.
type Middleware func(name string, next Next) Next

// Decorate wraps h with mws; the first middleware is the outermost.
func Decorate[C any, R any](h Handler[C, R], name string, mws ...Middleware) Handler[C, R] {
	if len(mws) == 0 {
		return h
	}
	next := Next(func(ctx context.Context, cmd any) (any, error) { return h.Handle(ctx, cmd.(C)) })
	for i := len(mws) - 1; i >= 0; i-- {
		next = mws[i](name, next)
	}
	return HandlerFunc[C, R](func(ctx context.Context, cmd C) (R, error) {
		r, err := next(ctx, cmd)
		res, _ := r.(R)
		return res, err
	})
}
