package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/config"
	"github.com/zufang/rental/infra/testing/testenv"
)

func TestRetention_workersTrimTheStreamsOnceEveryGroupIsDone(t *testing.T) {
	redis := testenv.StartRedis(t, "--stream-node-max-entries", "10")
	sys := testenv.StartSystem(t, testenv.Options{RedisAddr: redis.Addr, Configure: func(c *config.Config) {
		c.StreamMaxLen, c.StreamTrimEvery = 20, 100*time.Millisecond
	}})
	landlord, _ := sys.Register("trim@example.com", "landlord")
	publishListings(t, landlord, 40)
	rdb := testenv.Redis(t, redis.Addr)
	ctx := context.Background()
	listingStream := events.Stream(sys.Config.Prefix, events.AggregateListing)
	testenv.Eventually(t, 10*time.Second, func() string {
		if n := rdb.XLen(ctx, listingStream).Val(); n < 20 || n > 30 {
			return fmt.Sprintf("%d entries on %s, want about 20", n, listingStream)
		}
		return ""
	})
	base := sys.Open()
	defer base.Close()
	waitClean(t, base) // nothing the workers needed was trimmed
}
