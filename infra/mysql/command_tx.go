package mysql

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
)

// Writer runs every command as one transaction on the MySQL writer. It is the
// one place that appends event_log and outbox rows, records the command id,
// commits, retries transient failures and hands the committed events to the
// relay. Stores build on it; no handler writes this SQL itself.
type Writer struct {
	db      *sql.DB
	backoff Backoff
	// committed receives the events of every commit, in order, straight after
	// it; it must not block (the relay queues them). The outbox sweep covers
	// whatever it drops.
	committed func([]events.Envelope)
	now       func() time.Time
}

// NewWriter returns a Writer on db. committed may be nil (tools that rely on
// the sweep alone).
func NewWriter(db *sql.DB, committed func([]events.Envelope)) *Writer {
	if committed == nil {
		committed = func([]events.Envelope) {}
	}
	return &Writer{db: db, backoff: DefaultBackoff, committed: committed, now: time.Now}
}

// DB returns the writer pool.
func (w *Writer) DB() *sql.DB { return w.db }

// change is what one command did: its result and one event per aggregate it changed.
type change struct {
	result command.Result
	events []events.Envelope
}

// run executes fn in a transaction, then appends its events, records the
// command and commits. On a transient error the whole transaction is retried;
// before each retry it checks whether an earlier attempt did commit (the
// acknowledgement of a COMMIT can be lost with the connection), and if so
// returns that attempt's result instead of applying the command twice.
func (w *Writer) run(ctx context.Context, meta command.Meta, fn func(tx *sql.Tx) (change, error)) (command.Result, error) {
	cmdID := meta.CommandID
	if cmdID == uuid.Nil {
		cmdID = rental.NewID()
	}
	var done change
	replayed := false
	err := w.backoff.retry(ctx, func(attempt int) error {
		if attempt > 0 || meta.MayRepeat {
			res, found, err := w.recorded(ctx, cmdID)
			if err != nil {
				return err
			}
			if found {
				done, replayed = change{result: res}, true
				return nil
			}
		}
		c, dup, err := w.attempt(ctx, cmdID, fn)
		if err != nil {
			return err
		}
		if dup {
			res, _, err := w.recorded(ctx, cmdID)
			done, replayed = change{result: res}, true
			return err
		}
		done = c
		return nil
	})
	if err != nil {
		return command.Result{}, err
	}
	if !replayed && len(done.events) > 0 {
		w.committed(done.events)
	}
	return done.result, nil
}

// attempt is one try of a command transaction. dup reports that the command
// id was already recorded by an earlier commit.
//
// The command id is recorded first, the result last. A retry can overlap the
// try it repeats: the client (or this process, after a lost connection) gave
// up while the first try's COMMIT was still on its way to the server. Recorded
// first, the retry's insert waits on the first try's uncommitted row and then
// fails as a duplicate (or, on another Galera node, fails certification and is
// retried), so it returns the first result. Recorded last, the retry would run
// the command on the state the first try left and answer, say, "already
// published" for a publish that succeeded. The fault test that kills an api
// between commit and publish caught exactly that.
func (w *Writer) attempt(ctx context.Context, cmdID uuid.UUID, fn func(tx *sql.Tx) (change, error)) (c change, dup bool, err error) {
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return change{}, false, fmt.Errorf("beginning transaction: %w", err)
	}
	defer func() {
		if err != nil || dup {
			_ = tx.Rollback()
		}
	}()
	now := w.now().UTC()
	_, err = tx.ExecContext(ctx, `INSERT INTO command_dedup (id, result, created_at) VALUES (?, '', ?)`, cmdID[:], now)
	if isDuplicate(err) {
		return change{}, true, nil
	}
	if err != nil {
		return change{}, false, fmt.Errorf("recording command %s: %w", cmdID, err)
	}
	if c, err = fn(tx); err != nil {
		return change{}, false, err
	}
	for i := range c.events {
		if err = appendEvent(ctx, tx, &c.events[i], now); err != nil {
			return change{}, false, err
		}
	}
	result, err := json.Marshal(c.result)
	if err != nil {
		return change{}, false, err
	}
	if _, err = tx.ExecContext(ctx, `UPDATE command_dedup SET result = ? WHERE id = ?`, result, cmdID[:]); err != nil {
		return change{}, false, fmt.Errorf("recording the result of command %s: %w", cmdID, err)
	}
	if err = tx.Commit(); err != nil {
		return change{}, false, fmt.Errorf("committing command %s: %w", cmdID, err)
	}
	return c, false, nil
}

// recorded returns the result an earlier commit of the command recorded.
func (w *Writer) recorded(ctx context.Context, cmdID uuid.UUID) (command.Result, bool, error) {
	var raw []byte
	err := w.db.QueryRowContext(ctx, `SELECT result FROM command_dedup WHERE id = ?`, cmdID[:]).Scan(&raw)
	if err == sql.ErrNoRows {
		return command.Result{}, false, nil
	}
	if err != nil {
		return command.Result{}, false, fmt.Errorf("looking up command %s: %w", cmdID, err)
	}
	var res command.Result
	if err := json.Unmarshal(raw, &res); err != nil {
		return command.Result{}, false, fmt.Errorf("decoding result of command %s: %w", cmdID, err)
	}
	return res, true, nil
}

// appendEvent writes the event to event_log and its position to outbox, and
// sets env.Seq.
func appendEvent(ctx context.Context, tx *sql.Tx, env *events.Envelope, now time.Time) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO event_log
		(id, type, aggregate_type, aggregate_id, version, occurred_at, actor, correlation_id, payload)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		env.ID[:], string(env.Type), env.AggregateType, env.AggregateID[:], env.Version,
		env.OccurredAt, env.Actor, env.CorrelationID, []byte(env.Payload))
	if isDuplicate(err) {
		// Another node committed this aggregate version first: the command must
		// run again on the new state.
		return rental.Errorf(rental.ECONFLICT, "%s %s was changed concurrently; try again", env.AggregateType, env.AggregateID)
	}
	if err != nil {
		return fmt.Errorf("appending %s to event_log: %w", env.Type, err)
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("reading event_log position: %w", err)
	}
	env.Seq = seq
	if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (seq, created_at) VALUES (?, ?)`, seq, now); err != nil {
		return fmt.Errorf("appending %s to outbox: %w", env.Type, err)
	}
	return nil
}

// newEvent builds the envelope of a change made by a command.
func newEvent(t events.Type, aggregateType string, id uuid.UUID, version int64, state any, meta command.Meta, at time.Time) (events.Envelope, error) {
	return events.New(t, aggregateType, id, version, state, meta.Actor.String(), meta.CorrelationID, at)
}
