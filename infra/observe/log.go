// Package observe holds the cross-cutting decorators every use case is
// wrapped in: logging and metrics, applied once at wiring time.
package observe

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/zufang/rental"
)

// Logging logs every use case: failures that are our fault at error level
// with their detail, everything else at debug.
func Logging(log *slog.Logger) rental.Middleware {
	return func(name string, next rental.Next) rental.Next {
		return func(ctx context.Context, cmd any) (any, error) {
			start := time.Now()
			res, err := next(ctx, cmd)
			code := rental.ErrorCode(err)
			switch {
			case code == rental.EINTERNAL && !errors.Is(err, context.Canceled):
				log.ErrorContext(ctx, "use case failed", "use_case", name, "took", time.Since(start), "err", err)
			case log.Enabled(ctx, slog.LevelDebug):
				log.DebugContext(ctx, "use case", "use_case", name, "took", time.Since(start), "code", code)
			}
			return res, err
		}
	}
}
