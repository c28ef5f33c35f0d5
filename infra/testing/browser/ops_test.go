package browser_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	driver "github.com/go-sql-driver/mysql"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/config"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/readmodel"
	"github.com/zufang/rental/infra/relay"
	"github.com/zufang/rental/infra/stream"
	"github.com/zufang/rental/infra/testing/browser"
	"github.com/zufang/rental/infra/testing/testenv"
	"github.com/zufang/rental/worker"
)

const password = "correct-horse"

// startSystem runs the platform with the test MySQL server as its one
// "node", so the operator page has a node to show.
func startSystem(t *testing.T) *testenv.System {
	t.Helper()
	server, err := driver.ParseDSN(testenv.MySQLServerDSN())
	if err != nil {
		t.Fatal(err)
	}
	return testenv.StartSystem(t, testenv.Options{Configure: func(c *config.Config) { c.MySQLNodes = []string{server.Addr} }})
}

// admin creates an operator account, as `rentalctl user create --admin` does.
func admin(t *testing.T, sys *testenv.System, email string) {
	t.Helper()
	_, err := sys.API.Commands.RegisterUser.Handle(context.Background(), command.RegisterUser{
		Meta: command.Meta{Actor: rental.System}, Email: email, Password: password, Nickname: "运维", Roles: []string{"tenant"}, Admin: true,
	})
	if err != nil {
		t.Fatal(err)
	}
}

// parkPublish parks the publish event of a fresh listing as a dead letter
// (as a projector that panicked would) and removes the listing's read model
// document, so only a retry can bring it back; it returns the listing's
// document key. It also parks an entry with no framing at all.
func parkPublish(t *testing.T, sys *testenv.System) string {
	t.Helper()
	ctx := context.Background()
	landlord, _ := sys.Register("dl-landlord@example.com", "landlord")
	id := landlord.Must(http.StatusCreated, "POST", "/listings", map[string]any{
		"title": "死信房源", "price": 3000, "city": "beijing", "district": "chaoyang", "rent_type": "whole", "area_sqm": 40, "bedrooms": 1,
	})["id"].(string)
	landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/publish", nil)
	anon := sys.Client()
	testenv.Eventually(t, 10*time.Second, func() string {
		r := anon.Do("GET", "/listings/"+id+"?min_version=2", nil)
		if r.Header.Get("X-Read-Source") != "redis" {
			return "not projected yet"
		}
		return ""
	})
	base := sys.Open()
	t.Cleanup(base.Close)
	pub, err := stream.NewPublisher(base.Redis.Master, base.WMLog)
	if err != nil {
		t.Fatal(err)
	}
	log := mysql.NewEventLog(base.Pools.Writer)
	last, _ := log.LastSeq(ctx)
	evs, err := log.Read(ctx, worker.LogQuery{UpTo: last, Limit: 100, Types: []events.Type{events.ListingPublished}})
	if err != nil || len(evs) != 1 {
		t.Fatalf("the publish event: %v %v", evs, err)
	}
	listingStream := events.Stream(sys.Config.Prefix, events.AggregateListing)
	parked, _ := relay.Message(evs[0])
	parked.Metadata.Set(middleware.ReasonForPoisonedKey, "projector panicked: test")
	parked.Metadata.Set(middleware.PoisonedTopicKey, listingStream)
	parked.Metadata.Set(middleware.PoisonedHandlerKey, "listing-projector-x")
	dead := events.DeadLetterStream(sys.Config.Prefix)
	if err := pub.Publish(dead, parked); err != nil {
		t.Fatal(err)
	}
	rdb := testenv.Redis(t, testenv.RedisAddr())
	if err := rdb.XAdd(ctx, &goredis.XAddArgs{Stream: listingStream, Values: map[string]any{"garbage": "x"}}).Err(); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 10*time.Second, func() string {
		if n := rdb.XLen(ctx, dead).Val(); n != 2 {
			return fmt.Sprintf("%d dead letters", n)
		}
		return ""
	})
	gen, _, _ := base.RM.Generations(ctx, readmodel.Listings)
	doc := sys.Config.Prefix + "rm:listings:" + gen + ":listing:" + id
	rdb.Del(ctx, doc)
	return doc
}

func TestOps_adminSeesTheStatusAndRetriesAndDropsDeadLetters(t *testing.T) {
	sys := startSystem(t)
	admin(t, sys, "ops@example.com")
	doc := parkPublish(t, sys)
	rdb := testenv.Redis(t, testenv.RedisAddr())
	ctx := context.Background()

	b := browser.Start(t, sys.URL)
	p := b.User("admin")
	p.AcceptDialogs()
	p.Open("/ops")
	if !strings.HasPrefix(p.Path(), "/login?next=%2Fops") {
		t.Fatalf("a visitor is sent to log in first, at %s", p.Path())
	}
	if st := p.LogIn("ops@example.com", password); st != http.StatusOK || p.URL().Path != "/ops" {
		t.Fatalf("after logging in the admin is back on /ops: %d %s", st, p.Path())
	}
	server, _ := driver.ParseDSN(testenv.MySQLServerDSN())
	if nodes := p.Text("#mysql-nodes"); !strings.Contains(nodes, server.Addr) || !strings.Contains(nodes, "standalone") {
		t.Fatalf("the MySQL nodes: %q", nodes)
	}
	streams := p.Text("#streams")
	for _, want := range []string{sys.Config.Prefix + "events:listing", sys.Config.Prefix + "events:user"} {
		if !strings.Contains(streams, want) {
			t.Fatalf("the streams table names %s: %q", want, streams)
		}
	}
	if !strings.Contains(p.Text("#redis-nodes"), sys.Config.Redis.Addr) || !strings.Contains(p.Text("#outbox"), "行待发布") {
		t.Fatalf("Redis and the outbox are shown: %q", p.Body())
	}
	if n := p.Count("#dead-letter-list tr[data-dead-letter]"); n != 2 {
		t.Fatalf("both dead letters are listed, got %d", n)
	}
	if !strings.Contains(p.Text("#dead-letter-list"), "projector panicked: test") {
		t.Fatalf("the reason is shown: %q", p.Text("#dead-letter-list"))
	}
	if refresh := p.Attr(`meta[http-equiv="refresh"]`, "content"); !strings.HasPrefix(refresh, "5") {
		t.Fatalf("the page refreshes itself: %q", refresh)
	}
	p.Shot("ops")

	rows := browser.Eval[[]string](p, `[...document.querySelectorAll('#dead-letter-list tr[data-dead-letter]')].map(r => r.dataset.deadLetter + ' ' + r.innerText)`)
	var parkedID, garbageID string
	for _, r := range rows {
		id, text, _ := strings.Cut(r, " ")
		if strings.Contains(text, "projector panicked") {
			parkedID = id
		} else {
			garbageID = id
		}
	}
	if parkedID == "" || garbageID == "" {
		t.Fatalf("rows: %q", rows)
	}

	if st := p.Click("#retry-" + parkedID); st != http.StatusOK {
		t.Fatalf("retry answered %d", st)
	}
	if !strings.Contains(p.Text("#ops-notice"), parkedID) || p.Has("#dl-"+parkedID) {
		t.Fatalf("after a retry the page says so and the letter is gone: %q", p.Body())
	}
	testenv.Eventually(t, 10*time.Second, func() string {
		if v := rdb.HGet(ctx, doc, "v").Val(); v != "2" {
			return fmt.Sprintf("the retried event is not applied (v=%q)", v)
		}
		return ""
	})

	if st := p.Click("#drop-" + garbageID); st != http.StatusOK {
		t.Fatalf("drop answered %d", st)
	}
	if p.Has("#dl-"+garbageID) || !p.Has("#no-dead-letters") {
		t.Fatalf("after a drop no dead letter is left: %q", p.Body())
	}
	if n := rdb.XLen(ctx, events.DeadLetterStream(sys.Config.Prefix)).Val(); n != 0 {
		t.Fatalf("%d dead letters left in Redis", n)
	}
	p.Shot("ops-empty")
}

func TestOps_aTenantGets403AndAVisitorTheLoginPage(t *testing.T) {
	sys := startSystem(t)
	sys.Register("tenant-ops@example.com", "tenant")
	b := browser.Start(t, sys.URL)

	visitor := b.User("visitor")
	if st := visitor.Open("/ops"); st != http.StatusOK || visitor.URL().Path != "/login" || !visitor.Has("#login-form") {
		t.Fatalf("a visitor gets the login page: %d %s", st, visitor.Path())
	}

	tenant := b.User("tenant")
	tenant.Open("/login")
	tenant.LogIn("tenant-ops@example.com", "correct-horse")
	if st := tenant.Open("/ops"); st != http.StatusForbidden {
		t.Fatalf("a tenant gets 403 on /ops, got %d", st)
	}
	if body := tenant.Body(); !strings.Contains(body, "无权访问") || strings.Contains(body, "MySQL") {
		t.Fatalf("the 403 page shows nothing of the status: %q", body)
	}
	tenant.Shot("ops-403")
	// Nor may a tenant act on a dead letter by posting the form directly.
	if st := tenant.Fetch("POST", "/ops/dead-letters/1-0/drop", map[string][]string{"_csrf": {tenant.CSRF()}}); st != http.StatusForbidden {
		t.Fatalf("a tenant's drop answered %d", st)
	}
}

func TestOps_aFormPostedWithoutItsCSRFTokenIsRefused(t *testing.T) {
	sys := startSystem(t)
	admin(t, sys, "ops-csrf@example.com")
	parkPublish(t, sys)
	b := browser.Start(t, sys.URL)
	p := b.User("admin")
	p.AcceptDialogs()
	p.Open("/login?next=/ops")
	p.LogIn("ops-csrf@example.com", password)
	before := p.Count("#dead-letter-list tr[data-dead-letter]")
	// The form as a forged page would post it: the same fields, no token.
	browser.Eval[bool](p, `(document.querySelectorAll('#dead-letter-list input[name="_csrf"]').forEach(i => i.remove()), true)`)
	if st := p.Click("#dead-letter-list button.danger"); st != http.StatusForbidden {
		t.Fatalf("a drop without its CSRF token answered %d", st)
	}
	if !strings.Contains(p.Body(), "CSRF") {
		t.Fatalf("the refusal says why: %q", p.Body())
	}
	p.Open("/ops")
	if after := p.Count("#dead-letter-list tr[data-dead-letter]"); after != before || before == 0 {
		t.Fatalf("nothing was dropped: %d before, %d after", before, after)
	}
}
