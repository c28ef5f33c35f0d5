package worker

import (
	"errors"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/zufang/rental/events"
)

// RouterConfig shapes one worker process's consumption.
type RouterConfig struct {
	Prefix   string
	WorkerID string // unique per process; consumer names derive from it
	// Consumers is the number of subscriptions per stream in this process.
	// Each handles one batch of entries at a time (infra/stream.Batched).
	Consumers int
}

// NewSubscriber returns a subscriber consuming as the named consumer.
type NewSubscriber func(consumer string) (message.Subscriber, error)

// NewRouter wires the projectors behind Watermill: for every stream,
// cfg.Consumers handlers in the shared consumer group, each wrapped in
//   - PoisonQueue: an event that can never apply (malformed, or a projector
//     panics on it) goes to the dead-letter stream with the reason and handler;
//   - Retry: other failures (Redis briefly unreachable) are retried with
//     backoff, then nacked and redelivered, never dead-lettered;
//   - Recoverer: a panic becomes an error instead of killing the worker.
func NewRouter(cfg RouterConfig, subscribe NewSubscriber, deadLetters message.Publisher, p *Projectors, log watermill.LoggerAdapter) (*message.Router, error) {
	if cfg.Consumers <= 0 {
		cfg.Consumers = 1
	}
	r, err := message.NewRouter(message.RouterConfig{CloseTimeout: 10 * time.Second}, log)
	if err != nil {
		return nil, err
	}
	poison, err := middleware.PoisonQueueWithFilter(deadLetters, events.DeadLetterStream(cfg.Prefix), Permanent)
	if err != nil {
		return nil, err
	}
	retry := middleware.Retry{
		MaxRetries: 3, InitialInterval: 50 * time.Millisecond, Multiplier: 2, MaxInterval: time.Second,
		RandomizationFactor: 0.5, Logger: log,
		ShouldRetry: func(rp middleware.RetryParams) bool { return !Permanent(rp.Err) },
	}
	r.AddMiddleware(poison, retry.Middleware, middleware.Recoverer)
	handle := Handle(p)
	for i := range cfg.Consumers {
		consumer := fmt.Sprintf("%s-%d", cfg.WorkerID, i)
		sub, err := subscribe(consumer)
		if err != nil {
			return nil, err
		}
		for _, agg := range events.Aggregates {
			r.AddConsumerHandler(agg+"-projector-"+consumer, events.Stream(cfg.Prefix, agg), sub, handle)
		}
	}
	return r, nil
}

// Handle projects one stream message into the live read models.
func Handle(p *Projectors) message.NoPublishHandlerFunc {
	return func(msg *message.Message) error {
		growStack()
		if reason := msg.Metadata.Get(events.MetaMalformed); reason != "" {
			return fmt.Errorf("%w: undecodable stream entry: %s", events.ErrMalformed, reason)
		}
		e, err := events.Decode(msg.Payload)
		if err != nil {
			return err
		}
		_, err = p.Apply(msg.Context(), Current, e)
		return err
	}
}

// Permanent reports whether retrying err is pointless: the entry is
// malformed, or the projector panicked on it.
func Permanent(err error) bool {
	var panicked middleware.RecoveredPanicError
	return errors.Is(err, events.ErrMalformed) || errors.As(err, &panicked)
}

// stackAhead is how much stack a message's projection needs beyond the
// goroutine Watermill starts it on: decoding the state and building a
// listing's write (put.lua's arguments) go deeper than the 8 KB a new
// goroutine starts with.
const stackAhead = 12 << 10

// growStack makes the goroutine's stack big enough for the projection while
// it is still shallow. Watermill's router runs every message on a goroutine
// of its own; when its stack overflowed deep in the write, the runtime copied
// the whole stack and walked each of its ~25 frames to adjust pointers: 18%
// of the worker's CPU per listing event. Overflowing here, a few frames
// below the router, the copy is short and the frames few. (CockroachDB's
// growstack does the same for its storage paths.)
//
//go:noinline
func growStack() {
	var buf [stackAhead]byte
	touchStack(&buf) // so the frame is not optimised away
}

//go:noinline
func touchStack(buf *[stackAhead]byte) { buf[0] = 1 }
