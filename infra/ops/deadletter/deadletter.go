// Package deadletter adapts the dead-letter stream (<prefix>events:dead) for
// operators: the entries the workers parked because they can never apply
// (Watermill's PoisonQueue: a malformed entry, a projector that panicked),
// each with the reason and the handler that failed; retrying re-publishes an
// entry to the stream it came from, dropping deletes it.
package deadletter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/stream"
)

// Entry is one dead letter.
type Entry struct {
	ID         string            `json:"id"` // its id in the dead-letter stream
	ParkedAt   time.Time         `json:"parked_at"`
	Reason     string            `json:"reason"`
	Stream     string            `json:"stream"` // where it came from and where retry sends it
	Handler    string            `json:"handler"`
	Subscriber string            `json:"subscriber"`
	MessageID  string            `json:"message_id"`
	Metadata   map[string]string `json:"metadata"` // the original message's metadata
	// Malformed: the original stream entry could not even be unmarshalled;
	// Payload holds its raw fields as JSON, and retry adds them back as they were.
	Malformed bool             `json:"malformed"`
	Payload   json.RawMessage  `json:"payload"`
	Event     *events.Envelope `json:"event,omitempty"` // the payload decoded, when it is an event
	raw       []byte           // the payload as it was
}

// Summary names the entry's event in one line, or "-".
func (e Entry) Summary() string {
	if e.Event == nil {
		return "-"
	}
	return fmt.Sprintf("%s %s v%d", e.Event.Type, e.Event.AggregateID, e.Event.Version)
}

// ErrNotFound means no dead letter has that id.
var ErrNotFound = errors.New("no such dead letter")

// poisonKeys are the metadata PoisonQueue adds; a retried message goes back without them.
var poisonKeys = []string{middleware.ReasonForPoisonedKey, middleware.PoisonedTopicKey,
	middleware.PoisonedHandlerKey, middleware.PoisonedSubscriberKey, events.MetaMalformed}

// Queue is the dead-letter stream.
type Queue struct {
	client goredis.UniversalClient
	stream string
	pub    message.Publisher
}

// New returns the dead-letter queue under prefix on the Redis master; pub
// re-publishes retried messages (Watermill's stream publisher).
func New(client goredis.UniversalClient, prefix string, pub message.Publisher) *Queue {
	return &Queue{client: client, stream: events.DeadLetterStream(prefix), pub: pub}
}

// Open returns the dead-letter queue under prefix on the Redis master,
// re-publishing retried messages with Watermill's stream publisher.
func Open(master goredis.UniversalClient, prefix string, log watermill.LoggerAdapter) (*Queue, error) {
	pub, err := stream.NewPublisher(master, log)
	if err != nil {
		return nil, err
	}
	return New(master, prefix, pub), nil
}

// Stream names the dead-letter stream.
func (q *Queue) Stream() string { return q.stream }

// Len returns how many dead letters wait.
func (q *Queue) Len(ctx context.Context) (int64, error) {
	n, err := q.client.XLen(ctx, q.stream).Result()
	if err != nil {
		return 0, fmt.Errorf("sizing the dead-letter stream: %w", err)
	}
	return n, nil
}

// List returns up to count dead letters after the id (oldest first; "" = from the first).
func (q *Queue) List(ctx context.Context, after string, count int64) ([]Entry, error) {
	start := "-"
	if after != "" {
		start = "(" + after
	}
	msgs, err := q.client.XRangeN(ctx, q.stream, start, "+", count).Result()
	if err != nil {
		return nil, fmt.Errorf("reading the dead-letter stream: %w", err)
	}
	out := make([]Entry, 0, len(msgs))
	for _, m := range msgs {
		e, err := decode(m)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// Get returns one dead letter.
func (q *Queue) Get(ctx context.Context, id string) (Entry, error) {
	msgs, err := q.client.XRangeN(ctx, q.stream, id, id, 1).Result()
	if err != nil {
		return Entry{}, fmt.Errorf("reading dead letter %s: %w", id, err)
	}
	if len(msgs) == 0 {
		return Entry{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return decode(msgs[0])
}

// Retry re-publishes a dead letter to the stream it came from, then deletes
// it. A crash in between leaves it in both places; delivering it twice is
// harmless (projectors are compare-and-sets).
func (q *Queue) Retry(ctx context.Context, id string) (Entry, error) {
	e, err := q.Get(ctx, id)
	if err != nil {
		return e, err
	}
	if !strings.HasPrefix(e.Stream, strings.TrimSuffix(q.stream, "dead")) || e.Stream == q.stream {
		return e, fmt.Errorf("dead letter %s names no event stream to go back to (%q)", id, e.Stream)
	}
	if e.Malformed {
		var values map[string]any
		if err := json.Unmarshal(e.raw, &values); err != nil {
			return e, fmt.Errorf("dead letter %s: the raw entry is unreadable: %w", id, err)
		}
		if err := q.client.XAdd(ctx, &goredis.XAddArgs{Stream: e.Stream, Values: values}).Err(); err != nil {
			return e, fmt.Errorf("re-adding dead letter %s to %s: %w", id, e.Stream, err)
		}
	} else {
		msg := message.NewMessage(e.MessageID, e.raw)
		for k, v := range e.Metadata {
			msg.Metadata.Set(k, v)
		}
		msg.SetContext(ctx)
		if err := q.pub.Publish(e.Stream, msg); err != nil {
			return e, fmt.Errorf("re-publishing dead letter %s to %s: %w", id, e.Stream, err)
		}
	}
	return e, q.Drop(ctx, id)
}

// Drop deletes a dead letter.
func (q *Queue) Drop(ctx context.Context, id string) error {
	n, err := q.client.XDel(ctx, q.stream, id).Result()
	if err != nil {
		return fmt.Errorf("deleting dead letter %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return nil
}

func decode(m goredis.XMessage) (Entry, error) {
	msg, err := stream.SafeUnmarshaller{}.Unmarshal(m.Values)
	if err != nil {
		return Entry{}, fmt.Errorf("decoding dead letter %s: %w", m.ID, err)
	}
	e := Entry{ID: m.ID, ParkedAt: idTime(m.ID), MessageID: msg.UUID, Metadata: map[string]string{},
		Reason:     msg.Metadata.Get(middleware.ReasonForPoisonedKey),
		Stream:     msg.Metadata.Get(middleware.PoisonedTopicKey),
		Handler:    msg.Metadata.Get(middleware.PoisonedHandlerKey),
		Subscriber: msg.Metadata.Get(middleware.PoisonedSubscriberKey),
		Malformed:  msg.Metadata.Get(events.MetaMalformed) != "",
		raw:        msg.Payload,
	}
	for k, v := range msg.Metadata {
		if !slices.Contains(poisonKeys, k) {
			e.Metadata[k] = v
		}
	}
	if json.Valid(msg.Payload) {
		e.Payload = json.RawMessage(msg.Payload)
	} else {
		e.Payload, _ = json.Marshal(string(msg.Payload)) // show it as a string
	}
	if ev, err := events.Decode(msg.Payload); err == nil {
		e.Event = &ev
	}
	return e, nil
}

// idTime is when a stream entry was added: its id is "<ms>-<n>".
func idTime(id string) time.Time {
	ms, _, _ := strings.Cut(id, "-")
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.UnixMilli(n).UTC()
}
