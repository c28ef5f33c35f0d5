package mysql

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
)

// CommandRunner runs every command as one transaction on the MySQL writer. It is the
// one place that appends event_log and outbox rows, records the command id,
// commits, retries transient failures and hands the committed events to the
// relay. Stores build on it; no handler writes this SQL itself.
//
// A command costs two round trips: the reads that lock its aggregates (the
// first carries START TRANSACTION and records the command id), then every
// write, the event_log and outbox rows, the command's result and COMMIT as
// one multi-statement batch. Round trips, not statements, dominate the cost
// of a command on a small machine (see docs/BENCHMARKS.md).
//
// The command id is recorded before anything else. A retry can overlap the
// try it repeats: the client (or this process, after a lost connection) gave
// up while the first try's COMMIT was still on its way. Recorded first, the
// retry's insert waits on the first try's uncommitted row and then fails as
// a duplicate (or, on another Galera node, fails certification and is
// retried), so it returns the first result. Recorded last, the retry would
// run the command on the state the first try left and answer, say, "already
// published" for a publish that succeeded; the fault test that kills an api
// between commit and publish caught exactly that.
type CommandRunner struct {
	db       *sql.DB
	backoff  Backoff
	topology atomic.Int32 // topologyUnknown, singleServer or multiPrimary
	// committed receives the events of every commit, in order, straight after
	// it; it must not block (the relay queues them). The outbox sweep covers
	// whatever it drops.
	committed func([]events.Envelope)
	now       func() time.Time
}

// NewCommandRunner returns a CommandRunner on db. committed may be nil (tools that rely on
// the sweep alone).
func NewCommandRunner(db *sql.DB, committed func([]events.Envelope)) *CommandRunner {
	if committed == nil {
		committed = func([]events.Envelope) {}
	}
	return &CommandRunner{db: db, backoff: DefaultBackoff, committed: committed, now: time.Now}
}

const (
	topologyUnknown int32 = iota
	singleServer
	multiPrimary
)

// batched says whether a command's statements may travel together. Only on a
// server outside a multi-primary cluster: on MariaDB Galera, a transaction
// aborted by a conflicting write from another node (a brute-force abort) in
// the middle of a multi-statement batch is rolled back, and the rest of the
// batch then runs in autocommit. Measured on the local three-node cluster
// with this very batch shape (docs/RELIABILITY.md): 4 of 1,200 batches
// reported success with part of their writes lost, while the same statements
// sent one at a time never lost a write. An unknown topology counts as
// multi-primary.
func (w *CommandRunner) batched(ctx context.Context) bool {
	t := w.topology.Load()
	if t == topologyUnknown {
		multi, err := MultiPrimary(ctx, w.db)
		switch {
		case err != nil:
			// Not remembered: the next command asks again, and until then
			// statements go one at a time (the safe side).
			return false
		case multi:
			t = multiPrimary
		default:
			t = singleServer
		}
		w.topology.Store(t)
	}
	return t == singleServer
}

// DB returns the writer pool.
func (w *CommandRunner) DB() *sql.DB { return w.db }

// change is what one command did: its result and one event per aggregate it changed.
type change struct {
	result command.Result
	events []events.Envelope
}

// Tx is one command's transaction as a store sees it: reads go out at once
// (the first also starts the transaction); writes are queued and go out with
// the events and the commit.
type Tx struct {
	conn    *sql.Conn
	cmdID   uuid.UUID
	keep    bool   // the command record outlives the idempotency window
	reqHash []byte // the client request's fingerprint (nil when the id is ours)
	now     time.Time
	batched bool // send statements together (see CommandRunner); else one per round trip
	started bool
	writes  []statement
}

type statement struct {
	query string
	args  []any
	// explain turns a failure of this statement (a duplicate key, say) into
	// an application error; nil when it has nothing to say.
	explain func(error) error
}

// Query runs a read inside the transaction and returns its rows. The first
// read starts the transaction and records the command id; a duplicate id
// fails with errRecorded.
func (t *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if t.started {
		return t.conn.QueryContext(ctx, query, args...)
	}
	t.started = true // whatever fails next, a transaction may be open: it must be ended
	begin := []statement{{query: "START TRANSACTION"},
		{query: "INSERT INTO command_dedup (id, result, created_at, keep, request_hash) VALUES (?, '', ?, ?, ?)", args: []any{t.cmdID[:], t.now, t.keep, t.reqHash}}}
	if t.batched {
		// The driver skips the empty results of the first two statements: rows are the read's.
		rows, err := t.conn.QueryContext(ctx, begin[0].query+"; "+begin[1].query+"; "+query,
			append(begin[1].args, args...)...)
		if isDuplicate(err) {
			return nil, errRecorded
		}
		return rows, err
	}
	for _, st := range begin {
		if _, err := t.conn.ExecContext(ctx, st.query, st.args...); err != nil {
			if isDuplicate(err) {
				return nil, errRecorded
			}
			return nil, err
		}
	}
	return t.conn.QueryContext(ctx, query, args...)
}

// Exec queues a write; explain (may be nil) names what its failure means.
func (t *Tx) Exec(explain func(error) error, query string, args ...any) {
	t.writes = append(t.writes, statement{query: query, args: args, explain: explain})
}

func (t *Tx) rollback() {
	if t.started {
		_, _ = t.conn.ExecContext(context.Background(), "ROLLBACK")
	}
}

// run executes fn, then commits its writes with its events and the command
// record. On a transient error the whole command is retried; before each
// retry it checks whether an earlier attempt did commit (the acknowledgement
// of a COMMIT can be lost with the connection), and if so returns that
// attempt's result instead of applying the command twice.
func (w *CommandRunner) run(ctx context.Context, meta command.Meta, fn func(tx *Tx) (change, error)) (command.Result, error) {
	cmdID := meta.CommandID
	if cmdID == uuid.Nil {
		cmdID = rental.NewID()
	}
	var done change
	replayed := false
	err := w.backoff.retry(ctx, func(attempt int) error {
		if attempt > 0 || meta.MayRepeat {
			res, found, err := w.recordedFor(ctx, cmdID, meta.RequestHash)
			if err != nil {
				return err
			}
			if found {
				done, replayed = change{result: res}, true
				return nil
			}
		}
		c, earlier, err := w.attempt(ctx, cmdID, meta, fn)
		if err != nil {
			return err
		}
		if earlier != nil {
			res, err := earlier.answer(meta.RequestHash)
			done, replayed = change{result: res}, true
			return err
		}
		done = c
		return nil
	})
	if errors.Is(err, errRaced) {
		return command.Result{}, rental.Errorf(rental.ECONFLICT, "the data kept changing concurrently; try again")
	}
	if Transient(err) {
		// The retries are spent and MySQL still fails to answer: an earlier
		// try may have committed, so the outcome is unknown, and the caller
		// may retry safely with the same command id.
		return command.Result{}, fmt.Errorf("%w (%w)", rental.Unavailable(time.Second,
			"MySQL did not answer in time; the command may or may not have taken effect: send it again with the same Idempotency-Key"), err)
	}
	if err != nil {
		return command.Result{}, err
	}
	if !replayed && len(done.events) > 0 {
		w.committed(done.events)
	}
	return done.result, nil
}

// attempt is one try of a command on a connection of its own. earlier is
// the command's record when an earlier commit had made it: the command is
// then not applied again, and the record is read once, here.
func (w *CommandRunner) attempt(ctx context.Context, cmdID uuid.UUID, meta command.Meta, fn func(tx *Tx) (change, error)) (change, *record, error) {
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return change{}, nil, fmt.Errorf("getting a connection: %w", err)
	}
	defer conn.Close()
	tx := &Tx{conn: conn, cmdID: cmdID, keep: meta.KeepRecord, reqHash: meta.RequestHash, now: w.now().UTC(), batched: w.batched(ctx)}
	c, err := fn(tx)
	if err != nil {
		tx.rollback()
		if errors.Is(err, errRecorded) {
			return w.earlier(ctx, cmdID)
		}
		return change{}, nil, err
	}
	result, err := json.Marshal(c.result)
	if err != nil {
		tx.rollback()
		return change{}, nil, err
	}
	if err := tx.commit(ctx, c.events, result); err != nil {
		tx.rollback()
		return w.explain(ctx, tx, cmdID, err)
	}
	return c, nil, nil
}

// earlier reads the record of a command whose id the database says is
// already recorded.
func (w *CommandRunner) earlier(ctx context.Context, cmdID uuid.UUID) (change, *record, error) {
	rec, found, err := w.record(ctx, cmdID)
	if err == nil && !found {
		err = fmt.Errorf("command %s: recorded, but its record is gone (forgotten in between)", cmdID)
	}
	if err != nil {
		return change{}, nil, err
	}
	return change{}, &rec, nil
}

// step is one statement of a commit; event >= 0 marks the INSERT into
// event_log of that event, whose LAST_INSERT_ID is the event's position.
type step struct {
	statement
	event int
}

// commitSteps are the statements that end a command: the queued writes, each
// event with its outbox row, the command's result and COMMIT. A command that
// read nothing starts its transaction and records its id here, first.
func (t *Tx) commitSteps(evs []events.Envelope, result []byte) []step {
	var steps []step
	add := func(event int, query string, args ...any) {
		steps = append(steps, step{statement{query: query, args: args}, event})
	}
	if !t.started {
		add(-1, "START TRANSACTION")
		add(-1, "INSERT INTO command_dedup (id, result, created_at, keep, request_hash) VALUES (?, ?, ?, ?, ?)", t.cmdID[:], result, t.now, t.keep, t.reqHash)
	}
	for _, w := range t.writes {
		steps = append(steps, step{w, -1})
	}
	for i, e := range evs {
		add(i, `INSERT INTO event_log (id, type, aggregate_type, aggregate_id, version, occurred_at, actor,
			correlation_id, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.ID[:], string(e.Type), e.AggregateType, e.AggregateID[:], e.Version,
			e.OccurredAt, e.Actor, e.CorrelationID, []byte(e.Payload))
		add(-1, insertOutbox, t.now)
	}
	if t.started {
		add(-1, "UPDATE command_dedup SET result = ? WHERE id = ?", result, t.cmdID[:])
	}
	add(-1, "COMMIT")
	return steps
}

// commit sends the commit steps and sets each event's position.
func (t *Tx) commit(ctx context.Context, evs []events.Envelope, result []byte) error {
	steps := t.commitSteps(evs, result)
	t.started = true
	if !t.batched {
		for _, st := range steps {
			res, err := t.conn.ExecContext(ctx, st.query, st.args...)
			if err != nil {
				return err
			}
			if st.event >= 0 {
				if evs[st.event].Seq, err = res.LastInsertId(); err != nil {
					return err
				}
			}
		}
		return nil
	}
	// One round trip; each event's position comes back from a SELECT
	// LAST_INSERT_ID() after its outbox row (which does not change it).
	var q strings.Builder
	var args []any
	asked := true
	for _, st := range steps {
		q.WriteString(st.query)
		q.WriteString(";\n")
		args = append(args, st.args...)
		if !asked {
			q.WriteString("SELECT LAST_INSERT_ID();\n")
			asked = true
		}
		if st.event >= 0 {
			asked = false // after the next statement, the event's outbox row
		}
	}
	return execBatch(ctx, t.conn, strings.TrimSuffix(q.String(), ";\n"), args, evs)
}

// errRecorded means the command id is already recorded: an earlier try committed.
var errRecorded = errors.New("command already recorded")

// execBatch sends the batch and reads each event's event_log position from
// its SELECT LAST_INSERT_ID() result.
func execBatch(ctx context.Context, conn *sql.Conn, query string, args []any, evs []events.Envelope) error {
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	k := 0
	for {
		for rows.Next() {
			if k >= len(evs) {
				return errors.New("more event positions than events")
			}
			if err := rows.Scan(&evs[k].Seq); err != nil {
				return err
			}
			k++
		}
		if !rows.NextResultSet() {
			break
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if k != len(evs) {
		return fmt.Errorf("got %d event positions for %d events", k, len(evs))
	}
	return nil
}

// explain turns a failed batch into what it means: an earlier commit of the
// same command (its record), a concurrent change of the same aggregate
// version, or whatever a queued write says of its failure.
func (w *CommandRunner) explain(ctx context.Context, tx *Tx, cmdID uuid.UUID, err error) (change, *record, error) {
	if !isDuplicate(err) {
		return change{}, nil, fmt.Errorf("committing command %s: %w", cmdID, err)
	}
	if rec, found, lookErr := w.record(ctx, cmdID); lookErr == nil && found {
		return change{}, &rec, nil
	}
	if strings.Contains(err.Error(), "uk_event_log_aggregate_version") {
		// Another node committed this aggregate version first: the command
		// must run again on the new state (Transient retries it).
		return change{}, nil, errRaced
	}
	for _, s := range tx.writes {
		if s.explain != nil {
			if explained := s.explain(err); explained != nil {
				return change{}, nil, explained
			}
		}
	}
	return change{}, nil, fmt.Errorf("committing command %s: %w", cmdID, err)
}

// record is a command record read back: the result an earlier commit
// recorded, and the fingerprint of the request it answered.
type record struct {
	result command.Result
	hash   []byte
}

// answer is the record's result for a repeat of a client's request: a
// record of the same command id made by another request (the same
// Idempotency-Key with another body) is refused, naming the key, instead of
// answered.
func (r record) answer(reqHash []byte) (command.Result, error) {
	if reqHash != nil && !bytes.Equal(r.hash, reqHash) {
		return command.Result{}, &rental.Error{Code: rental.ECONFLICT,
			Message: "this Idempotency-Key was used for another request; send a new key",
			Fields:  map[string]string{"Idempotency-Key": "was used for another request"}}
	}
	return r.result, nil
}

// recordedFor is the recorded result for a repeat of a client's request
// (see record.answer); found is false when there is no record.
func (w *CommandRunner) recordedFor(ctx context.Context, cmdID uuid.UUID, reqHash []byte) (command.Result, bool, error) {
	rec, found, err := w.record(ctx, cmdID)
	if err != nil || !found {
		return command.Result{}, false, err
	}
	res, err := rec.answer(reqHash)
	return res, err == nil, err
}

func (w *CommandRunner) record(ctx context.Context, cmdID uuid.UUID) (record, bool, error) {
	var raw, hash []byte
	err := w.db.QueryRowContext(ctx, `SELECT result, request_hash FROM command_dedup WHERE id = ?`, cmdID[:]).Scan(&raw, &hash)
	if err == sql.ErrNoRows {
		return record{}, false, nil
	}
	if err != nil {
		return record{}, false, fmt.Errorf("looking up command %s: %w", cmdID, err)
	}
	var res command.Result
	if err := json.Unmarshal(raw, &res); err != nil {
		return record{}, false, fmt.Errorf("decoding result of command %s: %w", cmdID, err)
	}
	return record{result: res, hash: hash}, true, nil
}

// newEvent builds the envelope of a change made by a command.
func newEvent(t events.Type, aggregateType string, id uuid.UUID, version int64, state any, meta command.Meta, at time.Time) (events.Envelope, error) {
	return events.New(t, aggregateType, id, version, state, meta.Actor.String(), meta.CorrelationID, at)
}

// ForgetCommands deletes command records older than before, at most limit,
// except those kept (command.Meta.KeepRecord).
func (w *CommandRunner) ForgetCommands(ctx context.Context, before time.Time, limit int) (int, error) {
	res, err := w.db.ExecContext(ctx, `DELETE FROM command_dedup WHERE keep = FALSE AND created_at < ? LIMIT ?`, before, limit)
	if err != nil {
		return 0, fmt.Errorf("forgetting command records: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
