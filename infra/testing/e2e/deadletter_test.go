package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/ops"
	"github.com/zufang/rental/infra/ops/deadletter"
	"github.com/zufang/rental/infra/readmodel"
	"github.com/zufang/rental/infra/relay"
	"github.com/zufang/rental/infra/stream"
	"github.com/zufang/rental/infra/testing/testenv"
	"github.com/zufang/rental/worker"
)

func TestDeadLetters_listShowRetryAndDrop(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("dlq@example.com", "landlord")
	id := landlord.Must(http.StatusCreated, "POST", "/listings", flat("Parked", 3000))["id"].(string)
	landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/publish", nil)
	waitVersion(t, sys.Client(), id, 2)
	base := sys.Open()
	defer base.Close()
	ctx := context.Background()
	rdb := testenv.Redis(t, testenv.RedisAddr())
	pub, err := stream.NewPublisher(base.Redis.Master, base.WMLog)
	if err != nil {
		t.Fatal(err)
	}
	listingStream := events.Stream(sys.Config.Prefix, events.AggregateListing)

	// Two entries the worker can never apply: no Watermill framing at all,
	// and an event whose payload is not a listing.
	if err := rdb.XAdd(ctx, &goredis.XAddArgs{Stream: listingStream, Values: map[string]any{"garbage": "x"}}).Err(); err != nil {
		t.Fatal(err)
	}
	bad, _ := events.New(events.ListingUpdated, events.AggregateListing, uuid.New(), 1, map[string]any{"price": "cheap"}, "system", "", time.Now())
	msg, _ := relay.Message(bad)
	if err := pub.Publish(listingStream, msg); err != nil {
		t.Fatal(err)
	}
	q, err := ops.DeadLetters(base)
	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 10*time.Second, func() string {
		if n, err := q.Len(ctx); err != nil || n != 2 {
			return fmt.Sprintf("%d dead letters (%v)", n, err)
		}
		return ""
	})
	entries, err := q.List(ctx, "", 10)
	if err != nil || len(entries) != 2 {
		t.Fatalf("list: %v %v", entries, err)
	}
	// Two consumers race to park them, so the order they were parked in is not fixed.
	garbage, undecodable := entries[0], entries[1]
	if !garbage.Malformed {
		garbage, undecodable = undecodable, garbage
	}
	if !garbage.Malformed || !strings.Contains(string(garbage.Payload), "garbage") || garbage.Stream != listingStream ||
		!strings.Contains(garbage.Handler, "listing-projector") || garbage.Reason == "" {
		t.Fatalf("the raw entry is parked with its fields, stream, handler and reason: %+v", garbage)
	}
	if undecodable.Malformed || undecodable.Event == nil || undecodable.Event.ID != bad.ID ||
		!strings.Contains(undecodable.Reason, "payload") || !strings.Contains(undecodable.Handler, "listing-projector") {
		t.Fatalf("the event is parked decoded, with the reason: %+v", undecodable)
	}
	if got, err := q.Get(ctx, undecodable.ID); err != nil || got.Reason != undecodable.Reason {
		t.Fatalf("show: %+v %v", got, err)
	}

	// An event parked by a projector bug that has since been fixed: retry
	// sends it back to its stream and the worker applies it.
	log := mysql.NewEventLog(base.Pools.Writer)
	last, _ := log.LastSeq(ctx)
	evs, err := log.Read(ctx, worker.LogQuery{UpTo: last, Limit: 100, Types: []events.Type{events.ListingPublished}})
	if err != nil || len(evs) != 1 {
		t.Fatalf("the publish event: %v %v", evs, err)
	}
	parked, _ := relay.Message(evs[0])
	parked.Metadata.Set(middleware.ReasonForPoisonedKey, "projector panicked")
	parked.Metadata.Set(middleware.PoisonedTopicKey, listingStream)
	parked.Metadata.Set(middleware.PoisonedHandlerKey, "listing-projector-x")
	if err := pub.Publish(q.Stream(), parked); err != nil {
		t.Fatal(err)
	}
	gen, _, _ := base.RM.Generations(ctx, readmodel.Listings)
	doc := sys.Config.Prefix + "rm:listings:" + gen + ":listing:" + id
	rdb.Del(ctx, doc) // the read model never got it
	// After the later of the two (List is in stream order): one batch's
	// messages are handled concurrently, so either may have been parked last.
	entries, _ = q.List(ctx, entries[1].ID, 10)
	if len(entries) != 1 || entries[0].Event == nil || entries[0].Event.ID != evs[0].ID {
		t.Fatalf("paging after an id: %+v", entries)
	}
	if _, err := q.Retry(ctx, entries[0].ID); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 10*time.Second, func() string {
		if v := rdb.HGet(ctx, doc, "v").Val(); v != "2" {
			return fmt.Sprintf("the retried event is not applied (v=%q)", v)
		}
		return ""
	})

	for _, e := range []deadletter.Entry{garbage, undecodable} {
		if err := q.Drop(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := q.Len(ctx); n != 0 {
		t.Fatalf("retried and dropped letters leave the stream, %d left", n)
	}
	if err := q.Drop(ctx, garbage.ID); !errors.Is(err, deadletter.ErrNotFound) {
		t.Fatalf("dropping twice: %v", err)
	}
}
