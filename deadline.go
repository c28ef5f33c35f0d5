package rental

import (
	"context"
	"errors"
	"time"
)

// Deadline bounds every use case it wraps to d, so a caller always gets an
// answer within about d: the outcome, or EUNAVAILABLE when the work did not
// finish in time (a MySQL node cut off mid-command can otherwise hold a
// request for as long as the driver's read timeout, then the retries). A
// command that timed out may or may not have taken effect; the message says
// so, and sending it again with the same Idempotency-Key is safe.
//
// A decision the use case reached (an application error other than
// internal) is passed on as it is, even if it came after d.
func Deadline(d time.Duration) Middleware {
	return func(name string, next Next) Next {
		return func(ctx context.Context, cmd any) (any, error) {
			bounded, cancel := context.WithTimeout(ctx, d)
			defer cancel()
			r, err := next(bounded, cmd)
			if err == nil || ctx.Err() != nil || !errors.Is(bounded.Err(), context.DeadlineExceeded) {
				return r, err
			}
			if c := ErrorCode(err); c != EINTERNAL && c != EUNAVAILABLE {
				return r, err
			}
			return r, Unavailable(time.Second, "%s did not finish within %s and may or may not have taken effect; send it again with the same Idempotency-Key", name, d)
		}
	}
}
