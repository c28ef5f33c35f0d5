// Package readmodel adapts Redis to the read models: documents and search
// indexes under generation-numbered keys, written only through a version
// compare-and-set (put.lua); the listing search combines bitmaps read from
// replicas in the api (search.go).
//
// Each projection (read model) has its own generation, so one can be rebuilt
// alone. Key layout, P being the key prefix and g a generation:
//
//	P rm:<projection>:gen        live generation; absent = that read model is not built
//	P rm:<projection>:gen:next   generation being rebuilt (written alongside the live one)
//	P rm:<projection>:gen:seq    last generation number handed out
//	P rm:<projection>:gen:pos    "<g> <seq>": how far the rebuild of g got (resuming after a crash)
//	P rm:<projection>:gen:retired  zset of replaced generations by retirement time (ms), dropped after a grace
//	P rm:listings:g:listing:<id>                hash v (version), d (JSON), s (status), o (landlord), ix (index entries)
//	P rm:listings:g:ix:listing:all:new          zset by publication time (home page)
//	P rm:listings:g:ix:listing:all:bookings     zset by orders placed (home page)
//	P rm:listings:g:ix:listing:d:<c>:<d>:price  zset by price in a district (similar listings)
//	P rm:listings:g:ix:landlord:<id>            zset of a landlord's listings by creation time
//	P rm:listings:g:bm:…, bmv                   the search's bitmaps by listing ordinal (search.go)
//	P rm:<projection>:g:layout                  "bitmaps-2": the generation writes the search bitmaps
//	P rm:ord, rm:ord:id, rm:ord:seq, rm:ord:space  listing ordinals, shared by every generation (ords.go)
//	P rm:listings:g:sg:block|sg:title           counted zsets: published listings per block / title (suggest)
//	P rm:listings:g:st:<city>:<district>:…      district charts: pts (zset area → "id|area|price"),
//	                                            counted beds, bedprice, comm (per bedroom count, per community)
//	P rm:users:g:user:<id>                      hash v, d
//	orders, favorites, views, history: see orders.go and activity.go
//	P rm:changed   pub/sub: change notices (ChangeNotice, notices.go)
//
// Files by job: store.go the Store and its repair queue; writes.go the
// compare-and-set writes (put.lua) of listings and users; reads.go the
// document and page reads; search.go the listing search (bitmap.go, ords.go);
// generations.go the live and building generations; orders.go, activity.go
// and discovery.go the writes and reads of those ports; inspect*.go the
// Inspector, which only the consistency check (infra/ops/check) uses.
package readmodel

import (
	"context"
	"log/slog"

	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental"
)

// Projections: each names a read model with its own generation.
const (
	Listings  = "listings"
	Users     = "users"
	Orders    = "orders"
	Favorites = "favorites"
	Views     = "views"
	History   = "history"
)

// Generations as writes and reads name them; worker.Current and
// worker.NoGeneration are the same two.
const (
	// Current, as the generation of a write, is the live generation and,
	// during a rebuild, the one being built (put.lua writes both).
	Current = ""
	// NoGeneration, as a generation read back, is none: the read model is
	// not built, or no rebuild is under way.
	NoGeneration = ""
)

// Projections lists every projection the store keeps.
var Projections = []string{Listings, Users, Orders, Favorites, Views, History}

// Store reads and writes the read models.
type Store struct {
	master  goredis.UniversalClient
	replica goredis.UniversalClient
	prefix  string
	cat     *rental.Catalog
	log     *slog.Logger

	gens    map[string]*liveGen
	repairs chan func(context.Context)
	// masterFallback: a failed replica read is tried once more on the master.
	masterFallback bool
	// The search's copies of the listing ordinals and of the bitmaps it read (search.go).
	ordTab   *ordTable
	bitCache *bitCache
	// pipe, when set, queues writes instead of sending them (see Batch).
	pipe goredis.Pipeliner
	// fresh, when set, queues writes into a generation being rebuilt for
	// fresh.lua (RebuildBatch).
	fresh *freshQueue
	// writes sends concurrent writes together (pipeline.go).
	writes *writePipe
}

// New returns a Store. Writes go to master; reads to replica, and to master
// when a replica read fails (unless they are the same client, or
// SingleServer says they are the same server).
func New(master, replica goredis.UniversalClient, prefix string, cat *rental.Catalog, log *slog.Logger) *Store {
	st := &Store{master: master, replica: replica, prefix: prefix, cat: cat, log: log.With("component", "readmodel"),
		gens: map[string]*liveGen{}, repairs: make(chan func(context.Context), 1024), masterFallback: master != replica,
		ordTab: &ordTable{}, bitCache: &bitCache{}, writes: &writePipe{client: master}}
	for _, p := range Projections {
		st.gens[p] = &liveGen{}
	}
	return st
}

// SingleServer tells the store that master and replica are two clients of
// one Redis: a failed read is not tried again on the same server.
func (s *Store) SingleServer() { s.masterFallback = false }

// keyspace is where a projection's keys live.
func (s *Store) keyspace(projection string) string { return s.prefix + "rm:" + projection + ":" }

// Prefix returns the key prefix.
func (s *Store) Prefix() string { return s.prefix }

// ChangesChannel is the pub/sub channel that announces every applied change.
func (s *Store) ChangesChannel() string { return s.prefix + "rm:changed" }

// Run applies queued repairs until ctx ends.
func (s *Store) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case repair := <-s.repairs:
			repair(ctx)
		}
	}
}

// Repair queues a write of a state read from MySQL; it never blocks.
func (s *Store) repair(fn func(context.Context) error) {
	select {
	case s.repairs <- func(ctx context.Context) {
		if err := fn(ctx); err != nil {
			s.log.Debug("read model repair failed", "err", err)
		}
	}:
	default:
	}
}
