package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/config"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/stream"
	"github.com/zufang/rental/infra/testing/testenv"
)

func TestRelay_sweepDeliversACommitWhosePublishNeverHappened(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, landlordID := sys.Register("crash@example.com", "landlord")
	id := landlord.Must(http.StatusCreated, "POST", "/listings", flat("Crash", 3000))["id"].(string)
	waitVersion(t, landlord, id, 1)

	// A process that commits and dies before publishing: its writer hands the
	// events to nobody.
	base := sys.Open()
	defer base.Close()
	crashed := mysql.NewListingStore(mysql.NewCommandRunner(base.Pools.Writer, nil), base.Catalog)
	cmds := command.New(command.Deps{Listings: crashed, Catalog: base.Catalog})
	actor := rental.Actor{UserID: uuid.MustParse(landlordID), Roles: []rental.Role{rental.RoleLandlord}}
	res, err := cmds.PublishListing.Handle(context.Background(), command.PublishListing{Meta: command.Meta{Actor: actor}, ListingID: uuid.MustParse(id)})
	if err != nil {
		t.Fatal(err)
	}
	var pending int
	if err := base.Pools.Writer.QueryRow(`SELECT COUNT(*) FROM outbox`).Scan(&pending); err != nil || pending == 0 {
		t.Fatalf("the unpublished event must wait in outbox (%d rows, %v)", pending, err)
	}
	waitVersion(t, sys.Client(), id, float64(res.Version))
	testenv.Eventually(t, 5*time.Second, func() string {
		_ = base.Pools.Writer.QueryRow(`SELECT COUNT(*) FROM outbox`).Scan(&pending)
		if pending != 0 {
			return fmt.Sprintf("%d outbox rows left after the sweep", pending)
		}
		return ""
	})
}

func TestRedisOutage_commandsSucceedQueriesFallBackAndReadModelsConverge(t *testing.T) {
	redis := testenv.StartRedis(t)
	sys := testenv.StartSystem(t, testenv.Options{RedisAddr: redis.Addr})
	landlord, _ := sys.Register("outage@example.com", "landlord")
	id := landlord.Must(http.StatusCreated, "POST", "/listings", flat("Outage", 3000))["id"].(string)
	landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/publish", nil)
	waitVersion(t, sys.Client(), id, 2)

	redis.Stop()
	var last map[string]any
	for i := range 5 {
		last = landlord.Must(http.StatusOK, "PATCH", "/listings/"+id, map[string]any{"price": 3100 + i})
	}
	other := landlord.Must(http.StatusCreated, "POST", "/listings", flat("Made while Redis was away", 2500))["id"].(string)
	landlord.Must(http.StatusOK, "POST", "/listings/"+other+"/publish", nil)
	r := sys.Client().Do("GET", "/listings/"+id, nil)
	doc := r.JSON(t)
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("X-Read-Source"), "mysql") || doc["version"] != last["version"] {
		t.Fatalf("with Redis down the detail comes from MySQL at the latest version: %d %s %s", r.Status, r.Header.Get("X-Read-Source"), r.Body)
	}
	ids, total, source := searchIDs(t, sys.Client(), "city=beijing")
	if source != "mysql" || total != 2 || len(ids) != 2 {
		t.Fatalf("with Redis down search comes from MySQL: %s %v %v", source, ids, total)
	}

	redis.Start()
	waitVersion(t, sys.Client(), id, last["version"].(float64))
	waitVersion(t, sys.Client(), other, 2)
	testenv.Eventually(t, 10*time.Second, func() string {
		if _, total, source := searchIDs(t, sys.Client(), "city=beijing"); source != "redis" || total != 2 {
			return fmt.Sprintf("search from %s found %v", source, total)
		}
		return ""
	})
}

func TestDeadLetters_aMalformedEntryIsParkedAndLaterEventsStillApply(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("poison@example.com", "landlord")
	id := landlord.Must(http.StatusCreated, "POST", "/listings", flat("Poison", 3000))["id"].(string)
	waitVersion(t, landlord, id, 1)

	rdb := testenv.Redis(t, testenv.RedisAddr())
	ctx := context.Background()
	listingStream := events.Stream(sys.Config.Prefix, events.AggregateListing)
	for _, values := range []map[string]any{
		{"garbage": "no watermill framing at all"},
		{"_watermill_message_uuid": "x1", "payload": "{not json"},
		{"_watermill_message_uuid": "x2", "payload": `{"id":"` + uuid.NewString() + `","type":"listing.updated.v1"}`},
	} {
		if err := rdb.XAdd(ctx, &goredis.XAddArgs{Stream: listingStream, Values: values}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	res := landlord.Must(http.StatusOK, "PATCH", "/listings/"+id, map[string]any{"title": "After the poison"})
	doc := waitVersion(t, landlord, id, res["version"].(float64))
	if doc["title"] != "After the poison" {
		t.Fatalf("later events must still apply: %v", doc)
	}
	dead := events.DeadLetterStream(sys.Config.Prefix)
	testenv.Eventually(t, 10*time.Second, func() string {
		entries, err := rdb.XRange(ctx, dead, "-", "+").Result()
		if err != nil || len(entries) != 3 {
			return fmt.Sprintf("%d dead letters (%v), want 3", len(entries), err)
		}
		for _, e := range entries {
			msg, _ := stream.SafeUnmarshaller{}.Unmarshal(e.Values)
			if reason := msg.Metadata.Get("reason_poisoned"); !strings.Contains(reason, "malformed") {
				return fmt.Sprintf("dead letter without the reason: %v", msg.Metadata)
			}
			if msg.Metadata.Get("topic_poisoned") != listingStream || msg.Metadata.Get("handler_poisoned") == "" {
				return fmt.Sprintf("dead letter must name its stream and handler: %v", msg.Metadata)
			}
		}
		return ""
	})
}

func TestWorkers_twoReplicasShareTheStreamsAndConverge(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: 2, Configure: func(c *config.Config) { c.Consumers = 1 }})
	landlord, _ := sys.Register("shared@example.com", "landlord")
	var ids []string
	var versions []float64
	for i := range 40 {
		id := landlord.Must(http.StatusCreated, "POST", "/listings", flat(fmt.Sprintf("S%d", i), 2000+i))["id"].(string)
		res := landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/publish", nil)
		ids, versions = append(ids, id), append(versions, res["version"].(float64))
	}
	for i, id := range ids {
		waitVersion(t, sys.Client(), id, versions[i])
	}
	rdb := testenv.Redis(t, testenv.RedisAddr())
	consumers, err := rdb.XInfoConsumers(context.Background(), events.Stream(sys.Config.Prefix, events.AggregateListing), events.ConsumerGroup).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(consumers) != 2 {
		t.Fatalf("both workers consume the listing stream in one group: %+v", consumers)
	}
	for _, c := range consumers {
		if c.Pending != 0 {
			t.Fatalf("consumer %s left %d messages pending", c.Name, c.Pending)
		}
	}
}

func TestCommands_aRetriedRequestWithTheSameIdempotencyKeyActsOnce(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	landlord, _ := sys.Register("retry@example.com", "landlord")
	first := landlord.Must(http.StatusCreated, "POST", "/listings", flat("Once", 3000), "Idempotency-Key", "k-1")
	again := landlord.Must(http.StatusCreated, "POST", "/listings", flat("Once", 3000), "Idempotency-Key", "k-1")
	if first["id"] != again["id"] || first["version"] != again["version"] {
		t.Fatalf("a retried create must return the first result: %v vs %v", first, again)
	}
	other := landlord.Must(http.StatusCreated, "POST", "/listings", flat("Twice", 3000), "Idempotency-Key", "k-2")
	if other["id"] == first["id"] {
		t.Fatal("a different key is a different command")
	}
	id := first["id"].(string)
	p1 := landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/publish", nil, "Idempotency-Key", "p-1")
	p2 := landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/publish", nil, "Idempotency-Key", "p-1")
	if p1["version"] != p2["version"] {
		t.Fatalf("a retried publish must not conflict or bump again: %v vs %v", p1, p2)
	}
	base := sys.Open()
	defer base.Close()
	var n int
	if err := base.Pools.Writer.QueryRow(`SELECT COUNT(*) FROM event_log WHERE type = ?`, string(events.ListingCreated)).Scan(&n); err != nil || n != 2 {
		t.Fatalf("two creates happened, event_log has %d (%v)", n, err)
	}
}

// A retry can overlap the try it repeats: the client gave up (its api died)
// while the first try's COMMIT was still on its way to MySQL. The retry must
// wait for it and return its result, not run the command again on the state
// it left (which would answer "already published" for a publish that worked).
func TestCommands_aRetryOverlappingItsFirstTryReturnsTheFirstResult(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	landlord, landlordID := sys.Register("overlap@example.com", "landlord")
	id := uuid.MustParse(landlord.Must(http.StatusCreated, "POST", "/listings", flat("Overlap", 3000))["id"].(string))
	base := sys.Open()
	defer base.Close()
	db := base.Pools.Writer
	ctx := context.Background()
	meta := command.Meta{CommandID: uuid.New(), MayRepeat: true,
		Actor: rental.Actor{UserID: uuid.MustParse(landlordID), Roles: []rental.Role{rental.RoleLandlord}}}

	// The first try, committing: the command recorded and the listing published, not yet committed.
	first, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Rollback()
	if _, err := first.Exec(`INSERT INTO command_dedup (id, result, created_at) VALUES (?, ?, UTC_TIMESTAMP(6))`,
		meta.CommandID[:], fmt.Sprintf(`{"id":%q,"version":2}`, id)); err != nil {
		t.Fatal(err)
	}
	if _, err := first.Exec(`UPDATE listings SET status = 'published', version = 2 WHERE id = ?`, id[:]); err != nil {
		t.Fatal(err)
	}

	type outcome struct {
		res command.Result
		err error
	}
	retry := make(chan outcome, 1)
	go func() {
		res, err := sys.API.Commands.PublishListing.Handle(ctx, command.PublishListing{Meta: meta, ListingID: id})
		retry <- outcome{res, err}
	}()
	// The retry is blocked in a statement (the first try's connection is idle).
	testenv.Eventually(t, 10*time.Second, func() string {
		select {
		case got := <-retry:
			t.Fatalf("the retry ended before the first try did: %+v %v", got.res, got.err)
		default:
		}
		var busy int
		if err := db.QueryRow(`SELECT COUNT(*) FROM information_schema.PROCESSLIST
			WHERE DB = DATABASE() AND COMMAND = 'Query' AND ID <> CONNECTION_ID()`).Scan(&busy); err != nil {
			return err.Error()
		}
		if busy == 0 {
			return "the retry is not waiting for the first try"
		}
		return ""
	})
	if err := first.Commit(); err != nil {
		t.Fatal(err)
	}
	got := <-retry
	if got.err != nil || got.res.ID != id || got.res.Version != 2 {
		t.Fatalf("the retry must return the first try's result: %+v %v", got.res, got.err)
	}
	var events int
	if err := db.QueryRow(`SELECT COUNT(*) FROM event_log WHERE aggregate_id = ?`, id[:]).Scan(&events); err != nil || events != 1 {
		t.Fatalf("the retry must not append an event (only the create's): %d %v", events, err)
	}
}
