package system

import (
	"github.com/zufang/rental/infra/deadletter"
	"github.com/zufang/rental/infra/stream"
)

// DeadLetters returns the dead-letter queue (rentalctl dlq, metrics).
func (b *Base) DeadLetters() (*deadletter.Queue, error) {
	pub, err := stream.NewPublisher(b.Redis.Master, b.WMLog)
	if err != nil {
		return nil, err
	}
	return deadletter.New(b.Redis.Master, b.Cfg.Prefix, pub), nil
}
