package status

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/redis"
)

// Streams are the event streams, their consumer group and the dead letters.
type Streams struct {
	Streams     []Stream `json:"streams"`
	DeadLetters int64    `json:"dead_letters"`
	DeadStream  string   `json:"dead_stream,omitempty"`
	Error       string   `json:"error,omitempty"`
}

// Stream is one aggregate's stream.
type Stream struct {
	Name   string  `json:"name"`
	Length int64   `json:"length"`
	Groups []Group `json:"groups"`
}

// Group is a consumer group on a stream.
type Group struct {
	Name string `json:"name"`
	// Pending: delivered to a consumer and not yet acknowledged.
	Pending int64 `json:"pending"`
	// Undelivered: entries after the group's last delivered one, counted up
	// to MaxCount (More: there are more). Redis 7.0's own "lag" is not used:
	// its entries-read counter is wrong on a replica promoted by a failover.
	Undelivered int64      `json:"undelivered"`
	More        bool       `json:"undelivered_more,omitempty"`
	Consumers   []Consumer `json:"consumers"`
}

// Consumer is one consumer of a group.
type Consumer struct {
	Name    string `json:"name"`
	Pending int64  `json:"pending"`
	IdleMs  int64  `json:"idle_ms"` // since its last read or claim
}

// MaxCount bounds the count of undelivered entries (a backlog larger than
// this is shown as "more than").
const MaxCount = 10000

// IdleConsumer is how long a consumer may hold pending messages without
// reading before the screen calls them stuck: a worker's consumers claim
// the messages of a dead one after 10 s. (Redis 7.0 counts idle time from
// the last delivery, so on a quiet stream every consumer looks idle; only
// idle consumers with pending messages are a problem.)
const IdleConsumer = 30 * time.Second

// Idle returns the consumers idle for longer than IdleConsumer.
func (g Group) Idle() []Consumer {
	var out []Consumer
	for _, c := range g.Consumers {
		if time.Duration(c.IdleMs)*time.Millisecond > IdleConsumer {
			out = append(out, c)
		}
	}
	return out
}

func (s Streams) problems() []string {
	var out []string
	if s.Error != "" {
		out = append(out, "streams: "+s.Error)
	}
	for _, st := range s.Streams {
		if len(st.Groups) == 0 {
			out = append(out, fmt.Sprintf("stream %s: no consumer group (has a worker ever run?)", st.Name))
		}
		for _, g := range st.Groups {
			if g.More {
				out = append(out, fmt.Sprintf("stream %s group %s: more than %d entries not yet delivered (are the workers running and keeping up?)",
					st.Name, g.Name, MaxCount))
			}
			for _, c := range g.Idle() {
				if c.Pending > 0 {
					out = append(out, fmt.Sprintf("stream %s: %d messages pending on idle consumer %s for %ds (not being claimed)",
						st.Name, c.Pending, c.Name, c.IdleMs/1000))
				}
			}
		}
	}
	if s.DeadLetters > 0 {
		out = append(out, fmt.Sprintf("%d entries in the dead-letter stream %s (rentalctl dlq list)", s.DeadLetters, s.DeadStream))
	}
	return out
}

func readStreams(ctx context.Context, cfg redis.Config, prefix string) Streams {
	s := Streams{DeadStream: events.DeadLetterStream(prefix)}
	c := redis.NewMaster(cfg, 2)
	defer c.Close()
	for _, agg := range events.Aggregates {
		st, err := readStream(ctx, c, events.Stream(prefix, agg))
		if err != nil {
			s.Error = err.Error()
			return s
		}
		s.Streams = append(s.Streams, st)
	}
	n, err := c.XLen(ctx, s.DeadStream).Result()
	if err != nil {
		s.Error = fmt.Sprintf("reading %s: %v", s.DeadStream, err)
	}
	s.DeadLetters = n
	return s
}

func readStream(ctx context.Context, c goredis.UniversalClient, name string) (Stream, error) {
	st := Stream{Name: name, Groups: []Group{}}
	n, err := c.XLen(ctx, name).Result()
	if err != nil {
		return st, fmt.Errorf("reading length of %s: %w", name, err)
	}
	st.Length = n
	if n == 0 {
		if exists, err := c.Exists(ctx, name).Result(); err != nil || exists == 0 {
			return st, err // never written: no groups to read
		}
	}
	groups, err := c.XInfoGroups(ctx, name).Result()
	if err != nil && !isNoSuchKey(err) {
		return st, fmt.Errorf("reading groups of %s: %w", name, err)
	}
	last, err := c.XInfoStream(ctx, name).Result()
	if err != nil {
		return st, fmt.Errorf("reading %s: %w", name, err)
	}
	for _, g := range groups {
		grp := Group{Name: g.Name, Pending: g.Pending, Consumers: []Consumer{}}
		if g.LastDeliveredID != last.LastGeneratedID {
			after, err := c.XRangeN(ctx, name, "("+g.LastDeliveredID, "+", MaxCount+1).Result()
			if err != nil {
				return st, fmt.Errorf("counting undelivered entries of %s/%s: %w", name, g.Name, err)
			}
			grp.Undelivered, grp.More = int64(min(len(after), MaxCount)), len(after) > MaxCount
		}
		consumers, err := c.XInfoConsumers(ctx, name, g.Name).Result()
		if err != nil {
			return st, fmt.Errorf("reading consumers of %s/%s: %w", name, g.Name, err)
		}
		for _, cons := range consumers {
			grp.Consumers = append(grp.Consumers, Consumer{Name: cons.Name, Pending: cons.Pending, IdleMs: cons.Idle.Milliseconds()})
		}
		st.Groups = append(st.Groups, grp)
	}
	return st, nil
}

func isNoSuchKey(err error) bool {
	return errors.Is(err, goredis.Nil) || strings.Contains(err.Error(), "no such key")
}
