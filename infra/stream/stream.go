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
	// MaxIdle is how long a message may stay pending before another consumer
	// claims it: a dead worker's messages are taken over after about this long.
	MaxIdle       time.Duration
	ClaimInterval time.Duration
	// NackResend is the pause before a failed message is handed to the handler again.
	NackResend time.Duration
}

// NewSubscriber consumes streams in the projectors consumer group. client
// must be its own: Watermill closes it with the subscriber.
func NewSubscriber(client goredis.UniversalClient, cfg SubscriberConfig, log watermill.LoggerAdapter) (message.Subscriber, error) {
	if cfg.MaxIdle == 0 {
		cfg.MaxIdle = 10 * time.Second
	}
	if cfg.ClaimInterval == 0 {
		cfg.ClaimInterval = 2 * time.Second
	}
	if cfg.NackResend == 0 {
		cfg.NackResend = 500 * time.Millisecond
	}
	s, err := redisstream.NewSubscriber(redisstream.SubscriberConfig{
		Client:                        client,
		Unmarshaller:                  SafeUnmarshaller{},
		Consumer:                      cfg.Consumer,
		ConsumerGroup:                 events.ConsumerGroup,
		NackResendSleep:               cfg.NackResend,
		BlockTime:                     time.Second,
		ClaimInterval:                 cfg.ClaimInterval,
		MaxIdleTime:                   cfg.MaxIdle,
		CheckConsumersInterval:        time.Minute,
		ConsumerTimeout:               10 * time.Minute,
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
