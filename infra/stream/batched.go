package stream

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	goredis "github.com/redis/go-redis/v9"
)

// DefaultBatch is how many entries one read takes.
const DefaultBatch = 100

// Batched is a Watermill message.Subscriber over go-redis that reads a
// consumer group in batches: one XREADGROUP COUNT n per batch, every entry of
// the batch handed to the router at once (the router runs a handler per
// message, so they are handled concurrently), one XACK per batch for the
// entries the handlers acknowledged. Watermill's redisstream subscriber reads
// one entry, waits for its handler and acknowledges it before reading the
// next: three round trips per event, and the worker's CPU, not Redis, set
// the drain rate (docs/ARCHITECTURE.md, "Workers").
//
// Handling a batch's entries concurrently changes nothing the projectors
// rely on: several subscriptions of one group already handle a stream's
// entries concurrently, and every projection is a version compare-and-set.
//
// Kept from Watermill's subscriber: the group is created from the stream's
// start; a nacked message is handed over again after NackResend; entries
// pending on a consumer for MaxIdle (a dead worker's) are claimed, checked
// every ClaimInterval; consumers idle for ConsumerTimeout with nothing
// pending are removed from the group. Added: a subscription first takes back
// what its own consumer name still has pending (a restarted worker), and
// acknowledges pending entries the stream no longer holds (trimmed).
type Batched struct {
	client  goredis.UniversalClient
	cfg     SubscriberConfig
	log     watermill.LoggerAdapter
	closing chan struct{}
	subs    sync.WaitGroup
	mu      sync.Mutex
	closed  bool
}

// NewBatched returns a batched subscriber in the projectors consumer group.
// client must be its own: it is closed with the subscriber. It needs a
// connection per subscribed stream (each holds one in a blocking read) and
// one more per stream for acknowledgements and claims.
func NewBatched(client goredis.UniversalClient, cfg SubscriberConfig, log watermill.LoggerAdapter) (*Batched, error) {
	if cfg.Consumer == "" {
		return nil, errors.New("creating stream subscriber: no consumer name")
	}
	cfg.defaults()
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	return &Batched{client: client, cfg: cfg, log: log, closing: make(chan struct{})}, nil
}

// Subscribe consumes topic until ctx ends or the subscriber closes.
func (s *Batched) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("subscriber closed")
	}
	err := s.client.XGroupCreateMkStream(ctx, topic, s.cfg.Group, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return nil, fmt.Errorf("creating consumer group %s on %s: %w", s.cfg.Group, topic, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	out := make(chan *message.Message)
	c := &consumption{Batched: s, ctx: ctx, stream: topic, out: out,
		fields: watermill.LogFields{"topic": topic, "consumer_group": s.cfg.Group, "consumer": s.cfg.Consumer}}
	s.subs.Add(1)
	go func() {
		defer s.subs.Done()
		defer close(out)
		defer cancel()
		c.run()
	}()
	go func() {
		select {
		case <-s.closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	return out, nil
}

// Close ends every subscription (entries handed out but not acknowledged stay
// pending, for this consumer's next start or another's claim) and closes the client.
func (s *Batched) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.closing)
	s.mu.Unlock()
	s.subs.Wait()
	return s.client.Close()
}

// consumption is one subscribed stream.
type consumption struct {
	*Batched
	ctx    context.Context
	stream string
	out    chan<- *message.Message
	fields watermill.LogFields
}

func (c *consumption) run() {
	// What this consumer name left pending (a restart), then what others did.
	if !c.drainOwn() {
		return
	}
	lastClaim, lastCheck := time.Time{}, time.Now()
	for c.ctx.Err() == nil {
		if time.Since(lastClaim) >= c.cfg.ClaimInterval {
			lastClaim = time.Now()
			if !c.claim() {
				return
			}
		}
		if time.Since(lastCheck) >= c.cfg.CheckConsumersInterval {
			lastCheck = time.Now()
			c.dropIdleConsumers()
		}
		// Block no longer than the next claim is due, so a dead consumer's
		// entries are taken over even when no new entry arrives.
		block := min(c.cfg.BlockTime, max(time.Until(lastClaim.Add(c.cfg.ClaimInterval)), time.Millisecond))
		xs, err := c.client.XReadGroup(c.ctx, &goredis.XReadGroupArgs{Group: c.cfg.Group, Consumer: c.cfg.Consumer,
			Streams: []string{c.stream, ">"}, Count: c.cfg.Batch, Block: block}).Result()
		if errors.Is(err, goredis.Nil) {
			continue
		}
		if err != nil {
			if c.ctx.Err() != nil {
				return
			}
			c.failed("reading the stream", err)
			continue
		}
		if len(xs) > 0 && !c.handle(xs[0].Messages) {
			return
		}
	}
}

// drainOwn hands out again the entries pending on this consumer name.
func (c *consumption) drainOwn() bool {
	start := "0"
	for c.ctx.Err() == nil {
		xs, err := c.client.XReadGroup(c.ctx, &goredis.XReadGroupArgs{Group: c.cfg.Group, Consumer: c.cfg.Consumer,
			Streams: []string{c.stream, start}, Count: c.cfg.Batch, Block: -1}).Result()
		if errors.Is(err, goredis.Nil) {
			return true
		}
		if err != nil {
			if c.ctx.Err() != nil {
				return false
			}
			c.failed("reading the consumer's pending entries", err)
			continue
		}
		if len(xs) == 0 || len(xs[0].Messages) == 0 {
			return true
		}
		msgs := xs[0].Messages
		start = msgs[len(msgs)-1].ID
		if !c.handle(msgs) {
			return false
		}
	}
	return false
}

// claim takes over the entries idle for MaxIdle on any consumer (XAUTOCLAIM,
// which also drops pending entries the stream no longer holds) and hands them out.
func (c *consumption) claim() bool {
	start := "0-0"
	for c.ctx.Err() == nil {
		msgs, next, err := c.client.XAutoClaim(c.ctx, &goredis.XAutoClaimArgs{Stream: c.stream, Group: c.cfg.Group,
			Consumer: c.cfg.Consumer, MinIdle: c.cfg.MaxIdle, Start: start, Count: c.cfg.Batch}).Result()
		if err != nil && !errors.Is(err, goredis.Nil) {
			if c.ctx.Err() != nil {
				return false
			}
			c.failed("claiming idle entries", err)
			return true
		}
		if len(msgs) > 0 && !c.handle(msgs) {
			return false
		}
		if next == "0-0" || next == "" {
			return true
		}
		start = next
	}
	return false
}

// handle hands a batch to the router, waits until every message is
// acknowledged (a nacked one is handed over again after NackResend), and
// acknowledges the batch in one XACK. It returns false once the subscription
// ends; what was not acknowledged then stays pending.
func (c *consumption) handle(batch []goredis.XMessage) bool {
	type inFlight struct {
		id  string
		msg *message.Message
	}
	waiting := make([]inFlight, 0, len(batch))
	var acked []string
	for _, xm := range batch {
		if len(xm.Values) == 0 { // pending, but trimmed from the stream
			acked = append(acked, xm.ID)
			continue
		}
		msg, _ := SafeUnmarshaller{}.Unmarshal(xm.Values) // never fails
		waiting = append(waiting, inFlight{id: xm.ID, msg: msg})
	}
	defer func() { c.ack(acked) }()
	for len(waiting) > 0 {
		for i := range waiting {
			msgCtx, cancel := context.WithCancel(c.ctx)
			waiting[i].msg.SetContext(msgCtx)
			defer cancel()
			select {
			case c.out <- waiting[i].msg:
			case <-c.ctx.Done():
				return false
			}
		}
		var nacked []inFlight
		for i, f := range waiting {
			select {
			case <-f.msg.Acked():
				acked = append(acked, f.id)
			case <-f.msg.Nacked():
				nacked = append(nacked, inFlight{id: f.id, msg: f.msg.Copy()})
			case <-c.ctx.Done():
				// Closing: acknowledge what is done, leave the rest pending.
				for _, f := range waiting[i:] {
					select {
					case <-f.msg.Acked():
						acked = append(acked, f.id)
					default:
					}
				}
				return false
			}
		}
		waiting = nacked
		if len(waiting) > 0 {
			select {
			case <-time.After(c.cfg.NackResend):
			case <-c.ctx.Done():
				return false
			}
		}
	}
	return true
}

// ack acknowledges ids in one call, retrying while Redis is away: an entry
// handled but not acknowledged would be handled again, harmlessly but late.
// Acknowledgements still outstanding when the subscription ends get a last,
// short try of their own.
func (c *consumption) ack(ids []string) {
	if len(ids) == 0 {
		return
	}
	for {
		ctx, cancel := c.ctx, context.CancelFunc(func() {})
		if c.ctx.Err() != nil {
			ctx, cancel = context.WithTimeout(context.Background(), time.Second)
		}
		err := c.client.XAck(ctx, c.stream, c.cfg.Group, ids...).Err()
		cancel()
		if err == nil || c.ctx.Err() != nil {
			return
		}
		c.failed("acknowledging entries", err)
	}
}

// dropIdleConsumers removes consumers of the group idle for ConsumerTimeout
// with nothing pending (workers that went away), as Watermill's subscriber does.
func (c *consumption) dropIdleConsumers() {
	consumers, err := c.client.XInfoConsumers(c.ctx, c.stream, c.cfg.Group).Result()
	if err != nil {
		c.log.Error("listing the group's consumers failed", err, c.fields)
		return
	}
	for _, x := range consumers {
		if x.Idle >= c.cfg.ConsumerTimeout && x.Pending == 0 && x.Name != c.cfg.Consumer {
			if err := c.client.XGroupDelConsumer(c.ctx, c.stream, c.cfg.Group, x.Name).Err(); err != nil {
				c.log.Error("removing an idle consumer failed", err, c.fields)
			}
		}
	}
}

// failed logs err and pauses, so an unreachable Redis is not hammered.
func (c *consumption) failed(what string, err error) {
	c.log.Error(what+" failed", err, c.fields)
	select {
	case <-time.After(500 * time.Millisecond):
	case <-c.ctx.Done():
	}
}
