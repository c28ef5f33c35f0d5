// Package check compares every read model with the MySQL state it is
// projected from and, when asked, repairs what differs: counts per table and
// per index key, then document by document (version, body field by field,
// index entries). It streams both sides in batches, reading MySQL one batch
// ahead of the batch it compares in one Redis pipeline, so it never holds
// everything in memory.
//
// Every difference is confirmed before it is reported: the differing
// aggregates are read again from MySQL and compared again, so an event that
// was still on its way when the batch was read is not reported. Repairs go
// through the same version compare-and-set the projectors use, with one
// extension (put.lua's repair flag): a document at the SAME version is
// rewritten too, so a body or an index entry that differs while the version
// agrees can be fixed, and a newer version is still never overwritten, so a
// projector write racing with the repair wins whichever lands first.
package check

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/zufang/rental/infra/readmodel"
)

// Checker knows one read model's MySQL side. infra/system lists them
// (ops.Checkers); a new read model adds its own there.
type Checker struct {
	Projection string // the read model (a readmodel projection name)
	Kind       string // its documents are "<kind>:<id>"
	// Expect returns what the read model should hold for the aggregates
	// after cursor ("" = from the first), in a stable order, at most limit,
	// and the cursor of the last one.
	Expect func(ctx context.Context, after string, limit int) ([]readmodel.Expected, string, error)
	// ExpectIDs returns what it should hold for the aggregates with these
	// ids; ids MySQL does not have are left out.
	ExpectIDs func(ctx context.Context, ids []string) ([]readmodel.Expected, error)
}

// Options shape a run.
type Options struct {
	Repair bool // rewrite what differs
	Batch  int  // aggregates per batch (default 1000)
	Log    *slog.Logger
}

// Report is the outcome of a check.
type Report struct {
	Checked     map[string]int `json:"checked"` // documents compared, per projection
	Counts      []Count        `json:"counts"`
	Differences []Difference   `json:"differences"`
	Repaired    int            `json:"repaired"`
}

// Count compares a size on both sides: the documents of a projection, and
// every index key whose size differs.
type Count struct {
	Projection string `json:"projection"`
	Key        string `json:"key"`
	MySQL      int64  `json:"mysql"`
	Redis      int64  `json:"redis"`
}

// Difference is one confirmed difference, and whether it was repaired.
type Difference struct {
	Projection string `json:"projection"`
	readmodel.Difference
	Repaired bool `json:"repaired,omitempty"`
}

// Clean reports whether nothing differs (any longer, after a repair).
func (r Report) Clean() bool { return r.Unrepaired() == 0 }

// Unrepaired counts the differences that remain.
func (r Report) Unrepaired() int {
	n := 0
	for _, d := range r.Differences {
		if !d.Repaired {
			n++
		}
	}
	return n
}

// Run checks every read model against MySQL.
func Run(ctx context.Context, rm *readmodel.Store, checkers []Checker, opts Options) (Report, error) {
	if opts.Batch <= 0 {
		opts.Batch = 1000
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	r := Report{Checked: map[string]int{}}
	for _, c := range checkers {
		if err := (run{rm: rm, c: c, opts: opts, r: &r, missing: map[string]int64{}}).check(ctx); err != nil {
			return r, fmt.Errorf("checking %s: %w", c.Projection, err)
		}
	}
	return r, nil
}

// run checks one read model.
type run struct {
	rm   *readmodel.Store
	c    Checker
	opts Options
	r    *Report
	gen  string
	// missing counts, per index key ("" for the documents), what was
	// reported absent and not repaired: a size that is that much short can
	// still hide as many members (or documents) MySQL does not know.
	missing map[string]int64
}

func (x run) check(ctx context.Context) error {
	gen, _, err := x.rm.Generations(ctx, x.c.Projection)
	if err != nil {
		return err
	}
	if gen == readmodel.NoGeneration {
		x.r.Differences = append(x.r.Differences, Difference{Projection: x.c.Projection,
			Difference: readmodel.Difference{Key: x.c.Projection, What: readmodel.DiffNotBuilt, Want: "built", Got: "none"}})
		return nil
	}
	x.gen = gen
	indexWant := map[string]int64{}
	sums := map[string]map[string]float64{}
	if err := x.documents(ctx, indexWant, sums); err != nil {
		return err
	}
	if err := x.counts(ctx, indexWant); err != nil {
		return err
	}
	return x.totals(ctx, sums)
}

// documents streams MySQL one batch ahead and compares each batch.
func (x run) documents(ctx context.Context, indexWant map[string]int64, sums map[string]map[string]float64) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type batch struct {
		exp []readmodel.Expected
		err error
	}
	batches := make(chan batch, 1)
	go func() {
		defer close(batches)
		after := ""
		for {
			exp, next, err := x.c.Expect(ctx, after, x.opts.Batch)
			select {
			case batches <- batch{exp, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || len(exp) < x.opts.Batch {
				return
			}
			after = next
		}
	}()
	for b := range batches {
		if b.err != nil {
			return b.err
		}
		for _, e := range b.exp {
			for _, k := range e.IndexKeys() {
				indexWant[k]++
			}
			e.Counted(func(key, member string, weight float64) {
				if sums[key] == nil {
					sums[key] = map[string]float64{}
				}
				sums[key][member] += weight
			})
		}
		x.r.Checked[x.c.Projection] += len(b.exp)
		diffs, err := x.rm.Compare(ctx, x.c.Projection, x.gen, b.exp)
		if err != nil {
			return err
		}
		if len(diffs) > 0 {
			if err := x.confirm(ctx, diffs); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// confirm reads the differing aggregates again from MySQL and compares again;
// what still differs is reported, and repaired when asked.
func (x run) confirm(ctx context.Context, diffs []readmodel.Difference) error {
	ids := x.ids(diffs)
	fresh, err := x.c.ExpectIDs(ctx, ids)
	if err != nil {
		return err
	}
	still, err := x.rm.Compare(ctx, x.c.Projection, x.gen, fresh)
	if err != nil || len(still) == 0 {
		return err
	}
	if !x.opts.Repair {
		x.report(still, nil)
		return nil
	}
	differing := map[string]bool{}
	for _, d := range still {
		differing[d.Key] = true
	}
	var fix []readmodel.Expected
	for _, e := range fresh {
		if differing[e.Key()] {
			fix = append(fix, e)
		}
	}
	n, err := x.rm.Repair(ctx, x.gen, fix)
	if err != nil {
		return err
	}
	x.r.Repaired += n
	after, err := x.rm.Compare(ctx, x.c.Projection, x.gen, fix)
	if err != nil {
		return err
	}
	remaining := map[string]bool{}
	for _, d := range after {
		remaining[d.Key+"\x00"+d.What] = true
	}
	x.report(still, func(d readmodel.Difference) bool { return !remaining[d.Key+"\x00"+d.What] })
	return nil
}

func (x run) report(diffs []readmodel.Difference, repaired func(readmodel.Difference) bool) {
	for _, d := range diffs {
		fixed := repaired != nil && repaired(d)
		x.r.Differences = append(x.r.Differences, Difference{Projection: x.c.Projection, Difference: d, Repaired: fixed})
		if key, ok := d.Absent(); ok && !fixed {
			x.missing[key]++
		}
	}
}

// ids returns the aggregate ids of document keys "<kind>:<id>", once each.
func (x run) ids(diffs []readmodel.Difference) []string {
	var ids []string
	for _, d := range diffs {
		if id, ok := strings.CutPrefix(d.Key, x.c.Kind+":"); ok && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// counts compares the number of documents with the rows checked, finding
// documents MySQL does not have, and the size of every index key with the
// entries expected, finding members no document claims.
func (x run) counts(ctx context.Context, indexWant map[string]int64) error {
	docs, indexKeys, err := x.rm.Census(ctx, x.c.Projection, x.gen, x.c.Kind)
	if err != nil {
		return err
	}
	checked := int64(x.r.Checked[x.c.Projection])
	x.r.Counts = append(x.r.Counts, Count{Projection: x.c.Projection, Key: x.c.Kind + " documents", MySQL: checked, Redis: docs})
	if docs > checked-x.missing[""] {
		if err := x.orphans(ctx); err != nil {
			return err
		}
	}
	listed := make(map[string]bool, len(indexKeys))
	for _, k := range indexKeys {
		listed[k] = true
	}
	for k := range indexWant {
		if !listed[k] {
			indexKeys = append(indexKeys, k)
		}
	}
	slices.Sort(indexKeys)
	sizes, err := x.rm.IndexSizes(ctx, x.c.Projection, x.gen, indexKeys)
	if err != nil {
		return err
	}
	for _, k := range indexKeys {
		if sizes[k] != indexWant[k] {
			x.r.Counts = append(x.r.Counts, Count{Projection: x.c.Projection, Key: k, MySQL: indexWant[k], Redis: sizes[k]})
		}
		if sizes[k] <= indexWant[k]-x.missing[k] {
			continue // no more members than documents claim; the missing ones were reported document by document
		}
		extra, err := x.rm.ExtraMembers(ctx, x.c.Projection, x.gen, k)
		if err != nil {
			return err
		}
		if x.opts.Repair && len(extra) > 0 {
			// What is not removed was claimed or removed meanwhile: no longer a difference.
			if extra, err = x.rm.RemoveExtra(ctx, x.c.Projection, x.gen, k, extra); err != nil {
				return err
			}
			x.r.Repaired += len(extra)
		}
		for _, m := range extra {
			x.r.Differences = append(x.r.Differences, Difference{Projection: x.c.Projection, Repaired: x.opts.Repair,
				Difference: readmodel.Difference{Key: k, What: readmodel.DiffExtra, Want: "absent", Got: m}})
		}
	}
	return nil
}

// orphans finds documents whose aggregate MySQL does not have.
func (x run) orphans(ctx context.Context) error {
	return x.rm.Documents(ctx, x.c.Projection, x.gen, x.c.Kind, x.opts.Batch, func(ids []string) error {
		known, err := x.c.ExpectIDs(ctx, ids)
		if err != nil {
			return err
		}
		have := make(map[string]bool, len(known))
		for _, e := range known {
			have[e.Key()] = true
		}
		var keys []string
		for _, id := range ids {
			if k := x.c.Kind + ":" + id; !have[k] {
				keys = append(keys, k)
			}
		}
		if len(keys) == 0 {
			return nil
		}
		versions, err := x.rm.Versions(ctx, x.c.Projection, x.gen, keys)
		if err != nil {
			return err
		}
		for i, k := range keys {
			if versions[i] == 0 {
				continue // gone meanwhile
			}
			repaired := false
			if x.opts.Repair {
				if repaired, err = x.rm.RemoveOrphan(ctx, x.c.Projection, x.gen, k, versions[i]); err != nil {
					return err
				}
				if repaired {
					x.r.Repaired++
				}
			}
			x.r.Differences = append(x.r.Differences, Difference{Projection: x.c.Projection, Repaired: repaired,
				Difference: readmodel.Difference{Key: k, What: readmodel.DiffOrphan, Want: "absent (not in MySQL)",
					Got: "v" + strconv.FormatInt(versions[i], 10)}})
		}
		return nil
	})
}

// totals compares every counted sorted set (a member many documents add to:
// listings per community, price sums of a district's chart) with the sum of
// what the documents MySQL has would add. A difference cannot be repaired
// document by document: the document cannot tell whether its weight is in
// the count. A replay of the read model rebuilds it.
func (x run) totals(ctx context.Context, sums map[string]map[string]float64) error {
	keys := make([]string, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		got, err := x.rm.CountedTotals(ctx, x.c.Projection, x.gen, k)
		if err != nil {
			return err
		}
		want := sums[k]
		var differ []string
		for m, w := range want {
			if math.Abs(got[m]-w) > 1e-6 {
				differ = append(differ, m)
			}
		}
		for m, g := range got {
			if _, ok := want[m]; !ok && g != 0 {
				differ = append(differ, m)
			}
		}
		slices.Sort(differ)
		for _, m := range differ {
			x.r.Differences = append(x.r.Differences, Difference{Projection: x.c.Projection,
				Difference: readmodel.Difference{Key: k, What: readmodel.DiffSum + " " + m,
					Want: strconv.FormatFloat(want[m], 'f', -1, 64), Got: strconv.FormatFloat(got[m], 'f', -1, 64) + " (rentalctl replay --projection " + x.c.Projection + ")"}})
		}
	}
	return nil
}
