package status

import (
	"context"
	"fmt"
	"time"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/redis"
	"github.com/zufang/rental/infra/stream"
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
const MaxCount = stream.MaxUndelivered

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
	names := make([]string, len(events.Aggregates))
	for i, agg := range events.Aggregates {
		names[i] = events.Stream(prefix, agg)
	}
	// The sizes and backlogs are the metrics' (stream.Stats); the screen
	// adds each group's consumers.
	stats, err := stream.Stats(c, names)(ctx)
	if err != nil {
		s.Error = err.Error()
		return s
	}
	for _, name := range names {
		st := Stream{Name: name, Groups: []Group{}}
		for _, stat := range stats {
			if stat.Stream != name {
				continue
			}
			st.Length = stat.Length
			if stat.Group == "" {
				continue
			}
			grp := Group{Name: stat.Group, Pending: stat.Pending, Undelivered: stat.Lag, More: stat.More, Consumers: []Consumer{}}
			consumers, err := c.XInfoConsumers(ctx, name, stat.Group).Result()
			if err != nil {
				s.Error = fmt.Sprintf("reading consumers of %s/%s: %v", name, stat.Group, err)
				return s
			}
			for _, cons := range consumers {
				grp.Consumers = append(grp.Consumers, Consumer{Name: cons.Name, Pending: cons.Pending, IdleMs: cons.Idle.Milliseconds()})
			}
			st.Groups = append(st.Groups, grp)
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
