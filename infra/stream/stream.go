// Package stream adapts Watermill's Redis Streams publisher and subscriber to
// the platform: one consumer group per stream, claiming of a dead consumer's
// pending messages, and an unmarshaller that never stops a subscription.
package stream

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill-redisstream/pkg/redisstream"
	"github.com/ThreeDotsLabs/watermill/message"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/events"
)

// Logger adapts slog for Watermill. Watermill's info lines become debug, so
// a worker's log shows what the platform does rather than every subscription
// detail; and the level is checked before a line's fields are converted:
// Watermill logs a trace line or two for every message it moves, and
// Watermill's own slog adapter built them all only for slog to drop them.
func Logger(log *slog.Logger) watermill.LoggerAdapter {
	return slogAdapter{log: log.With("component", "watermill")}
}

type slogAdapter struct{ log *slog.Logger }

func (a slogAdapter) Error(msg string, err error, fields watermill.LogFields) {
	a.emit(slog.LevelError, msg, fields, "error", err)
}
func (a slogAdapter) Info(msg string, fields watermill.LogFields) {
	a.emit(slog.LevelDebug, msg, fields)
}
func (a slogAdapter) Debug(msg string, fields watermill.LogFields) {
	a.emit(slog.LevelDebug, msg, fields)
}
func (a slogAdapter) Trace(msg string, fields watermill.LogFields) {
	a.emit(watermill.LevelTrace, msg, fields)
}

func (a slogAdapter) With(fields watermill.LogFields) watermill.LoggerAdapter {
	return slogAdapter{log: a.log.With(attrs(fields)...)}
}

func (a slogAdapter) emit(level slog.Level, msg string, fields watermill.LogFields, extra ...any) {
	ctx := context.Background()
	if !a.log.Enabled(ctx, level) {
		return
	}
	a.log.Log(ctx, level, msg, append(attrs(fields), extra...)...)
}

func attrs(fields watermill.LogFields) []any {
	out := make([]any, 0, 2*len(fields))
	for k, v := range fields {
		out = append(out, k, v)
	}
	return out
}

// NewPublisher publishes to Redis streams on the master.
func NewPublisher(master goredis.UniversalClient, log watermill.LoggerAdapter) (message.Publisher, error) {
	p, err := redisstream.NewPublisher(redisstream.PublisherConfig{Client: master}, log)
	if err != nil {
		return nil, fmt.Errorf("creating stream publisher: %w", err)
	}
	return p, nil
}

// SubscriberConfig tunes consumption.
type SubscriberConfig struct {
	Consumer string // unique per subscription in the group
	Group    string // the consumer group; events.ConsumerGroup when empty
	// Batch is how many entries one read takes (the batched subscriber only;
	// Watermill's reads one).
	Batch int64
	// MaxIdle is how long a message may stay pending before another consumer
	// claims it: a dead worker's messages are taken over after about this long.
	MaxIdle       time.Duration
	ClaimInterval time.Duration
	// NackResend is the pause before a failed message is handed to the handler again.
	NackResend time.Duration
	// BlockTime bounds one blocking read.
	BlockTime time.Duration
	// Consumers idle for ConsumerTimeout with nothing pending are removed
	// from the group, checked every CheckConsumersInterval.
	ConsumerTimeout        time.Duration
	CheckConsumersInterval time.Duration
}

func (c *SubscriberConfig) defaults() {
	if c.MaxIdle == 0 {
		c.MaxIdle = 10 * time.Second
	}
	if c.ClaimInterval == 0 {
		c.ClaimInterval = 2 * time.Second
	}
	if c.NackResend == 0 {
		c.NackResend = 500 * time.Millisecond
	}
	if c.BlockTime == 0 {
		c.BlockTime = time.Second
	}
	if c.ConsumerTimeout == 0 {
		c.ConsumerTimeout = 10 * time.Minute
	}
	if c.CheckConsumersInterval == 0 {
		c.CheckConsumersInterval = time.Minute
	}
	if c.Group == "" {
		c.Group = events.ConsumerGroup
	}
}

// NewSubscriber consumes streams in the projectors consumer group with
// Watermill's redisstream subscriber, one entry at a time. The worker uses
// NewBatched; this one stays for comparison (rentalbench's workers
// scenario). client must be its own: Watermill closes it with the subscriber.
func NewSubscriber(client goredis.UniversalClient, cfg SubscriberConfig, log watermill.LoggerAdapter) (message.Subscriber, error) {
	cfg.defaults()
	s, err := redisstream.NewSubscriber(redisstream.SubscriberConfig{
		Client:                        client,
		Unmarshaller:                  SafeUnmarshaller{},
		Consumer:                      cfg.Consumer,
		ConsumerGroup:                 cfg.Group,
		NackResendSleep:               cfg.NackResend,
		BlockTime:                     cfg.BlockTime,
		ClaimInterval:                 cfg.ClaimInterval,
		MaxIdleTime:                   cfg.MaxIdle,
		CheckConsumersInterval:        cfg.CheckConsumersInterval,
		ConsumerTimeout:               cfg.ConsumerTimeout,
		OldestId:                      "0",
		DisableIndefiniteInitialBlock: true,
	}, log)
	if err != nil {
		return nil, fmt.Errorf("creating stream subscriber: %w", err)
	}
	return s, nil
}

// SafeUnmarshaller decodes entries like Watermill's default, but never fails:
// Watermill's subscriber stops consuming a stream at the first entry it cannot
// unmarshal, so an entry it cannot read becomes a message marked
// events.MetaMalformed whose payload is the raw entry, and the worker sends
// it to the dead-letter stream.
type SafeUnmarshaller struct {
	redisstream.DefaultMarshallerUnmarshaller
}

func (u SafeUnmarshaller) Unmarshal(values map[string]any) (msg *message.Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			msg, err = malformed(values, fmt.Sprint(r)), nil
		}
	}()
	msg, err = u.DefaultMarshallerUnmarshaller.Unmarshal(values)
	if err != nil {
		return malformed(values, err.Error()), nil
	}
	return msg, nil
}

func malformed(values map[string]any, reason string) *message.Message {
	raw, err := json.Marshal(values)
	if err != nil {
		raw = []byte(fmt.Sprintf("%q", fmt.Sprint(values)))
	}
	msg := message.NewMessage(watermill.NewUUID(), raw)
	msg.Metadata.Set(events.MetaMalformed, reason)
	return msg
}
