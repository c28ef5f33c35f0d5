// Package worker turns events into read models: projectors (one per read
// model, each a version compare-and-set write per event), the Watermill
// router that feeds them from the streams, and replay, which rebuilds every
// read model from event_log into a new generation.
package worker

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
)

// Generations as the projectors name them (infra/readmodel names the same
// two, as readmodel.Current and readmodel.NoGeneration).
const (
	// Current, as the generation of a write, is the live generation and,
	// during a rebuild, the one being built: where the stream's events go.
	Current = ""
	// NoGeneration, as a generation read back, is none: the read model is
	// not built, or no rebuild is under way.
	NoGeneration = ""
)

// ReadModels is where projections are written: into gen, Current for the
// stream's events; replay names the generation it builds.
// Each Put takes the state and, when the caller has it, the state's JSON
// (doc; nil to encode it).
type ReadModels interface {
	PutListing(ctx context.Context, gen string, st events.ListingState, doc []byte) (bool, error)
	PutUser(ctx context.Context, gen string, st events.UserState, doc []byte) (bool, error)
	PutOrder(ctx context.Context, gen string, st events.OrderState, doc []byte) (bool, error)
	PutFavorite(ctx context.Context, gen string, st events.FavoriteState, doc []byte) (bool, error)
	PutListingViews(ctx context.Context, gen string, st events.ListingViewsState, doc []byte) (bool, error)
	PutHistory(ctx context.Context, gen string, st events.HistoryState, doc []byte) (bool, error)
}

// Outcome is what applying one event did.
type Outcome string

const (
	Applied Outcome = "applied" // a generation took it
	Stale   Outcome = "stale"   // an equal or newer version was already there: a repeat or out of order
	Unknown Outcome = "unknown" // no projector handles this type; acknowledged and counted
)

// Observer sees every applied event (metrics: lag from occurred_at, outcomes)
// and every projector failure.
type Observer interface {
	Projected(e events.Envelope, o Outcome, took time.Duration)
	Failed(e events.Envelope, err error)
}

type noObserver struct{}

func (noObserver) Projected(events.Envelope, Outcome, time.Duration) {}
func (noObserver) Failed(events.Envelope, error)                     {}

// Projection is one read model and the events that feed it.
type Projection struct {
	Name  string
	Types []events.Type
	Apply func(ctx context.Context, gen string, e events.Envelope) (bool, error)
	// LatestOnly says only the newest version of each aggregate matters: the
	// projection handles every event type of its aggregates, each carries the
	// aggregate's full state, and Apply is a version compare-and-set. Replay
	// then skips an event that a newer version in event_log supersedes, without
	// reading its payload. Leave it false for anything that needs every event
	// (a history, a counter).
	LatestOnly bool
}

// projections lists every read model the workers keep, built over rm: its
// name, the events that feed it, and where their state goes. Every event
// carries its aggregate's whole state, so each projection is one
// compare-and-set write of that state (the read model keeps the highest
// version), and an event it does not know is acknowledged and counted. To
// add one: add a row here, give it a readmodel projection name and a checker
// (infra/ops/check).
func projections(rm ReadModels) []Projection {
	return []Projection{
		// The listing documents and what derives from listings alone: the
		// search and landlord indexes, the keyword and suggestion indexes and
		// the district charts. A deletion leaves a tombstone.
		latest("listings", rm.PutListing, func(st *events.ListingState) (*uuid.UUID, *int64) { return &st.ID, &st.Version },
			events.ListingCreated, events.ListingUpdated, events.ListingPublished, events.ListingUnpublished, events.ListingDeleted,
			events.ListingImageAdded, events.ListingImageRemoved, events.ListingCoverSet, events.ListingBooked, events.ListingBookingHeld, events.ListingReviewed),
		// The user documents behind GET /api/v1/users/me.
		latest("users", rm.PutUser, func(st *events.UserState) (*uuid.UUID, *int64) { return &st.ID, &st.Version },
			events.UserRegistered, events.UserProfileUpdated, events.UserPasswordChanged, events.UserRolesChanged),
		// The order documents, each user's orders by role and status, the
		// booked ranges of every listing (availability, search by dates) and
		// the reviews.
		latest("orders", rm.PutOrder, func(st *events.OrderState) (*uuid.UUID, *int64) { return &st.ID, &st.Version },
			events.OrderPlaced, events.OrderAccepted, events.OrderRejected, events.OrderPaid, events.OrderCanceled,
			events.OrderStayEnded, events.OrderReviewed),
		// Each user's favorites. A favorite is a (user, listing) pair with
		// its own version, so a late "added" never undoes a newer "removed".
		latest("favorites", rm.PutFavorite, func(st *events.FavoriteState) (*uuid.UUID, *int64) { return &st.ID, &st.Version },
			events.FavoriteAdded, events.FavoriteRemoved),
		// Each listing's view count and the ranking by views. Events carry
		// the total, not an increment: a repeated batch is a no-op.
		latest("views", rm.PutListingViews, func(st *events.ListingViewsState) (*uuid.UUID, *int64) { return &st.ID, &st.Version },
			events.ListingViewed, events.ListingViewsImported),
		// Each user's last viewed listings; each event carries the whole list.
		latest("history", rm.PutHistory, func(st *events.HistoryState) (*uuid.UUID, *int64) { return &st.ID, &st.Version },
			events.HistoryViewed, events.HistoryCleared, events.HistoryImported),
	}
}

// latest is the projection of events that each carry the whole state S of
// their aggregate (LatestOnly): it decodes the state and puts it. key points
// at the state's id and version, which the envelope decides.
func latest[S any](name string, put func(ctx context.Context, gen string, st S, doc []byte) (bool, error),
	key func(*S) (*uuid.UUID, *int64), types ...events.Type) Projection {
	return Projection{Name: name, Types: types, LatestOnly: true,
		Apply: func(ctx context.Context, gen string, e events.Envelope) (bool, error) {
			var st S
			doc, err := decodeState(e, &st, key)
			if err != nil {
				return false, err
			}
			return put(ctx, gen, st, doc)
		}}
}

// decodeState decodes an event's payload into st, whose id and version the
// envelope decides. It returns the payload as the state's JSON when the
// payload says what the envelope says (always, for events the platform
// wrote): the read model stores it as it is, without encoding it again,
// which was a third of a worker's time. Otherwise it returns nil.
func decodeState[S any](e events.Envelope, st *S, key func(*S) (*uuid.UUID, *int64)) ([]byte, error) {
	if err := events.DecodePayload(e, st); err != nil {
		return nil, err
	}
	doc := []byte(e.Payload)
	id, version := key(st)
	if *id != e.AggregateID || *version != e.Version {
		doc = nil
	}
	*id, *version = e.AggregateID, e.Version
	return doc, nil
}

// Projectors routes each event to the projection that handles its type.
type Projectors struct {
	projections []Projection
	byType      map[events.Type]Projection
	obs         Observer
}

// NewProjectors returns every projection over rm.
func NewProjectors(rm ReadModels, obs Observer) *Projectors {
	if obs == nil {
		obs = noObserver{}
	}
	p := &Projectors{byType: map[events.Type]Projection{}, obs: obs}
	for _, proj := range projections(rm) {
		p.projections = append(p.projections, proj)
		for _, t := range proj.Types {
			p.byType[t] = proj
		}
	}
	return p
}

// Over returns the same projections writing to rm (replay's batches), unobserved.
func (p *Projectors) Over(rm ReadModels) *Projectors { return NewProjectors(rm, nil) }

// Names lists the projections, for `rentalctl replay --projection`.
func (p *Projectors) Names() []string {
	names := make([]string, len(p.projections))
	for i, proj := range p.projections {
		names[i] = proj.Name
	}
	return names
}

// Types returns the event types of the named projections (all when names is empty).
func (p *Projectors) Types(names ...string) ([]events.Type, error) {
	var out []events.Type
	for _, name := range names {
		if !slices.Contains(p.Names(), name) {
			return nil, fmt.Errorf("unknown projection %q (have %v)", name, p.Names())
		}
	}
	for _, proj := range p.projections {
		if len(names) == 0 || slices.Contains(names, proj.Name) {
			out = append(out, proj.Types...)
		}
	}
	return out, nil
}

// LatestOnly returns the event types that, for the named projections (all
// when none is named), only matter in their newest version. A type belongs
// to one projection (byType), so it is that projection's setting.
func (p *Projectors) LatestOnly(names ...string) []events.Type {
	var out []events.Type
	for _, proj := range p.projections {
		if proj.LatestOnly && (len(names) == 0 || slices.Contains(names, proj.Name)) {
			out = append(out, proj.Types...)
		}
	}
	return out
}

// Projection returns the projection that handles an event type.
func (p *Projectors) Projection(t events.Type) (Projection, bool) {
	proj, ok := p.byType[t]
	return proj, ok
}

// Apply projects one event into generation gen.
func (p *Projectors) Apply(ctx context.Context, gen string, e events.Envelope) (Outcome, error) {
	start := time.Now()
	proj, ok := p.byType[e.Type]
	if !ok {
		p.obs.Projected(e, Unknown, time.Since(start))
		return Unknown, nil
	}
	applied, err := proj.Apply(ctx, gen, e)
	if err != nil {
		p.obs.Failed(e, err)
		return "", fmt.Errorf("projecting %s %s v%d into %s: %w", e.Type, e.AggregateID, e.Version, proj.Name, err)
	}
	o := Stale
	if applied {
		o = Applied
	}
	p.obs.Projected(e, o, time.Since(start))
	return o, nil
}
