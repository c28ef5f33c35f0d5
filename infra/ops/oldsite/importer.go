package oldsite

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
)

// Map remembers which aggregate each old row became (infra/mysql.ImportMap).
type Map interface {
	Lookup(ctx context.Context, source, oldID string) (uuid.UUID, bool, error)
	Record(ctx context.Context, source, oldID string, id uuid.UUID, details map[string]any) error
}

// Sources of the import map.
const (
	mapUser     = "user"
	mapHouse    = "house"
	mapLandlord = "landlord"
	mapActivity = "activity"  // a user's favorites and history, keyed by the old user id
	mapNumber   = "house_num" // the listing a reference number (house_num) became
)

// Importer brings the old site's users and houses over through the normal
// command path, so events reach the read models like any other change:
// ImportUser for accounts (passwords re-hashed; a reset forced where the old
// password breaks today's policy, or for every account with ForceReset),
// ImportUser for each landlord (keyed by phone number, a random password to
// reset at the first login), then CreateListing and PublishListing (as of
// the old publish time) as that landlord and ImportViews for the old page
// views. A later row with the house_num of a house already in is the same
// listing listed twice: it is reported and counted as a duplicate, and
// neither it nor its page views are imported again. Once every house is in,
// a last pass over the users brings their favorites (collect_id, oldest
// first: AddFavorite as the user, a millisecond apart in that order) and
// viewing history (seen_id, ImportHistory: the history only, since the old
// page views already counted those views).
//
// It is idempotent: each row's commands carry ids derived from the row, so a
// command an interrupted run committed is not applied again (command_dedup
// keeps those records past the idempotency window: KeepRecord), and
// import_map records each row done, so a second run changes nothing.
type Importer struct {
	Commands   command.Commands
	Map        Map
	Parser     Parser
	ForceReset bool
	Parallel   int // rows imported at once (0: one; rentalctl uses 4, as bcrypt is the slow part)
	// Credentials, if set, receives "phone,temporary password" for every
	// landlord account this run creates, for operators to send by SMS.
	Credentials io.Writer
}

// Report is what an import did.
type Report struct {
	Tables    map[string]*Counts `json:"tables"`
	Landlords Counts             `json:"landlords"`
	// Activity counts user rows whose favorites and history were brought over;
	// PageViews, house rows whose old page views were added to the view count.
	Activity  Counts `json:"activity"`
	PageViews Counts `json:"page_views"`
	MustReset int    `json:"must_reset"` // accounts created that must choose a new password
	Problems  []Note `json:"problems"`   // rows not imported, and why
	Warnings  []Note `json:"warnings"`   // rows imported without something
}

// Counts are one table's rows.
type Counts struct {
	Read            int `json:"read"`
	Imported        int `json:"imported"`
	AlreadyImported int `json:"already_imported"`
	Failed          int `json:"failed"`
	Duplicate       int `json:"duplicate"` // the same house_num as a row before it: imported once
}

// Note is something about one old row.
type Note struct {
	Table string `json:"table"`
	ID    string `json:"id"`
	Note  string `json:"note"`
}

// importNamespace derives command ids from old rows.
var importNamespace = uuid.MustParse("8d7e9a52-3c1f-4f0e-b7a4-2a5d1c6e9f03")

func commandID(parts ...string) uuid.UUID {
	key := ""
	for _, p := range parts {
		key += p + "/"
	}
	return uuid.NewSHA1(importNamespace, []byte(key))
}

// Run imports users, then houses (with their landlords and page views), then
// the users' favorites and histories, which point at houses.
func (im *Importer) Run(ctx context.Context, src Source) (*Report, error) {
	r := &run{im: im, report: &Report{Tables: map[string]*Counts{UserTable: {}, HouseTable: {}}}, landlords: map[string]*landlord{}, listings: map[string]uuid.UUID{}}
	email := func(row Row) string { return strings.ToLower(row.Get("email")) }
	// Rows of one house_num share a lane, so the first of them is the one
	// imported, every run; a row without one is its own.
	number := func(row Row) string {
		if n := row.Get("house_num"); n != "" {
			return "n/" + n
		}
		return "id/" + row.Get("id")
	}
	if err := r.table(ctx, src, UserTable, r.report.Tables[UserTable], email, r.user); err != nil {
		return r.report, err
	}
	if err := r.table(ctx, src, HouseTable, r.report.Tables[HouseTable], number, r.house); err != nil {
		return r.report, err
	}
	// The users the users pass kept (those with favorites or a history), not
	// a second read of user_info.
	err := inLanes(ctx, im.Parallel, UserTable, func(yield func(User) error) error {
		for _, u := range r.activities {
			if err := yield(u); err != nil {
				return err
			}
		}
		return nil
	}, func(u User) string { return u.OldID }, func(u User) string { return u.OldID }, func(ctx context.Context, u User) error {
		outcome, err := r.activity(ctx, u)
		if err == nil {
			r.count(&r.report.Activity, outcome)
		}
		return err
	})
	if err != nil {
		return r.report, err
	}
	byID := func(a, b Note) int {
		if a.Table != b.Table {
			return map[bool]int{true: -1, false: 1}[a.Table > b.Table] // user_info before house_info
		}
		x, _ := strconv.Atoi(a.ID)
		y, _ := strconv.Atoi(b.ID)
		return x - y
	}
	slices.SortStableFunc(r.report.Problems, byID)
	slices.SortStableFunc(r.report.Warnings, byID)
	return r.report, nil
}

type run struct {
	im        *Importer
	mu        sync.Mutex // guards report, landlords, listings and activities
	report    *Report
	landlords map[string]*landlord
	listings  map[string]uuid.UUID // old house id → the listing it is, as the houses pass finds them
	// activities are the users with favorites or a history, as the users
	// pass parsed them: the activity pass, once every house is in, brings
	// those over without reading user_info again.
	activities []User
}

type landlord struct {
	once sync.Once
	id   uuid.UUID
	err  string // why its houses cannot be imported
}

// table reads a table and imports its rows on Parallel goroutines, counting
// their outcomes in counts. Rows with the same key (a user's email, a house's
// house_num) go to the same goroutine, in the order read: of two old
// accounts with one email the first is imported and the second reported,
// every run, whatever the timing.
func (r *run) table(ctx context.Context, src Source, table string, counts *Counts, key func(Row) string, one func(context.Context, Row) (string, error)) error {
	return inLanes(ctx, r.im.Parallel, table, func(yield func(Row) error) error { return src.Rows(ctx, table, yield) },
		key, func(row Row) string { return row.Get("id") }, func(ctx context.Context, row Row) error {
			outcome, err := one(ctx, row)
			if err == nil {
				r.count(counts, outcome)
			}
			return err
		})
}

// inLanes hands every item each yields to one of parallel goroutines, the
// same key always to the same one, in order; the first error stops it.
func inLanes[T any](ctx context.Context, parallel int, table string, each func(yield func(T) error) error,
	key, id func(T) string, one func(context.Context, T) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	lanes := make([]chan T, max(parallel, 1))
	var wg sync.WaitGroup
	for i := range lanes {
		lanes[i] = make(chan T, 16)
		items := lanes[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range items {
				if err := one(ctx, it); err != nil {
					cancel(fmt.Errorf("importing %s %s: %w", table, id(it), err))
				}
			}
		}()
	}
	err := each(func(it T) error {
		h := fnv.New32a()
		_, _ = h.Write([]byte(key(it)))
		select {
		case lanes[h.Sum32()%uint32(len(lanes))] <- it:
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	})
	for _, l := range lanes {
		close(l)
	}
	wg.Wait()
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return err
}

// Row outcomes ("" for a row with nothing to do).
const (
	imported  = "imported"
	already   = "already"
	failed    = "failed"
	duplicate = "duplicate"
)

func (r *run) count(c *Counts, outcome string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c.Read++
	switch outcome {
	case imported:
		c.Imported++
	case already:
		c.AlreadyImported++
	case failed:
		c.Failed++
	case duplicate:
		c.Duplicate++
	}
}

func (r *run) note(list *[]Note, table, id string, notes ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range notes {
		*list = append(*list, Note{Table: table, ID: id, Note: n})
	}
}

// refused turns an application error (invalid, conflict) into a row problem;
// anything else stops the import.
func (r *run) refused(table, id string, err error) (string, error) {
	switch rental.ErrorCode(err) {
	case rental.EINVALID, rental.ECONFLICT:
		r.note(&r.report.Problems, table, id, explain(err))
		return failed, nil
	}
	return "", err
}

// explain is an application error with the fields it names: "email: must be a valid email address".
func explain(err error) string {
	fields := rental.ErrorFields(err)
	if len(fields) == 0 {
		return rental.ErrorMessage(err)
	}
	names := slices.Sorted(maps.Keys(fields))
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + ": " + fields[n]
	}
	return strings.Join(parts, "; ")
}

func (r *run) user(ctx context.Context, row Row) (string, error) {
	u := r.im.Parser.User(row)
	r.keepActivity(u)
	if len(u.Problems) > 0 {
		r.note(&r.report.Problems, UserTable, u.OldID, u.Problems...)
		return failed, nil
	}
	if _, done, err := r.im.Map.Lookup(ctx, mapUser, u.OldID); err != nil || done {
		return already, err
	}
	res, err := r.im.Commands.ImportUser.Handle(ctx, command.ImportUser{
		Meta:  command.Meta{Actor: rental.System, CommandID: commandID(mapUser, u.OldID), MayRepeat: true, KeepRecord: true},
		Email: u.Email, Password: u.Password, Nickname: u.Nickname, Roles: []string{string(rental.RoleTenant)},
		ForceReset: r.im.ForceReset,
	})
	if err != nil {
		return r.refused(UserTable, u.OldID, err)
	}
	if r.im.ForceReset || command.CheckPassword("password", u.Password, u.Email) != nil {
		r.mu.Lock()
		r.report.MustReset++
		r.mu.Unlock()
	}
	r.note(&r.report.Warnings, UserTable, u.OldID, u.Warnings...)
	return imported, r.im.Map.Record(ctx, mapUser, u.OldID, res.ID, map[string]any{"address": u.Address})
}

func (r *run) house(ctx context.Context, row Row) (string, error) {
	h := r.im.Parser.House(row)
	if len(h.Problems) > 0 {
		r.note(&r.report.Problems, HouseTable, h.OldID, h.Problems...)
		return failed, nil
	}
	if id, done, err := r.im.Map.Lookup(ctx, mapHouse, h.OldID); err != nil || done {
		if done {
			r.listing(h.OldID, id)
			err = r.number(ctx, h, id) // a run cut off between the two records
		}
		return already, err
	}
	if h.Number != "" {
		id, dup, err := r.im.Map.Lookup(ctx, mapNumber, h.Number)
		if err != nil {
			return "", err
		}
		if dup { // a house before it, in this run or an earlier one, had this number
			r.listing(h.OldID, id) // favorites and histories naming this row mean that listing
			r.note(&r.report.Problems, HouseTable, h.OldID, sprintf("duplicate: house_num %q was imported already, by an earlier row (this row and its page views are left out)", h.Number))
			return duplicate, nil
		}
	}
	owner, err := r.landlord(ctx, h.Landlord)
	if err != nil {
		return "", err
	}
	if owner.err != "" {
		r.note(&r.report.Problems, HouseTable, h.OldID, owner.err)
		return failed, nil
	}
	actor := rental.Actor{UserID: owner.id, Roles: []rental.Role{rental.RoleTenant, rental.RoleLandlord}}
	created, err := r.im.Commands.CreateListing.Handle(ctx, command.CreateListing{
		Meta:   command.Meta{Actor: actor, CommandID: commandID(mapHouse, h.OldID, "create"), MayRepeat: true, KeepRecord: true},
		Fields: h.Fields,
	})
	if err != nil {
		return r.refused(HouseTable, h.OldID, err)
	}
	_, err = r.im.Commands.PublishListing.Handle(ctx, command.PublishListing{
		Meta:      command.Meta{Actor: actor, CommandID: commandID(mapHouse, h.OldID, "publish"), MayRepeat: true, KeepRecord: true},
		ListingID: created.ID, Since: h.PublishedAt, // zero (unknown): now
	})
	if err != nil {
		return r.refused(HouseTable, h.OldID, err)
	}
	if h.PageViews > 0 {
		// Before the row is recorded as done: a run cut off here repeats the
		// command under the same id, which adds the views once.
		_, err = r.im.Commands.ImportViews.Handle(ctx, command.ImportViews{
			Meta:      command.Meta{Actor: rental.System, CommandID: commandID(mapHouse, h.OldID, "views"), MayRepeat: true, KeepRecord: true},
			ListingID: created.ID, Views: h.PageViews,
		})
		if err != nil {
			return "", fmt.Errorf("adding the page views of house %s: %w", h.OldID, err)
		}
		r.count(&r.report.PageViews, imported)
	}
	r.note(&r.report.Warnings, HouseTable, h.OldID, h.Warnings...)
	details := map[string]any{"page_views": h.PageViews, "landlord_phone": h.Landlord.Phone}
	r.listing(h.OldID, created.ID)
	// The row first, then its number: a run cut off between the two finds
	// the row done and records the number then. The other way round, it
	// would find the number taken and take the row for its own duplicate.
	if err := r.im.Map.Record(ctx, mapHouse, h.OldID, created.ID, details); err != nil {
		return "", err
	}
	return imported, r.number(ctx, h, created.ID)
}

// number records the listing a house's reference number became (the first
// record stays).
func (r *run) number(ctx context.Context, h House, id uuid.UUID) error {
	if h.Number == "" {
		return nil
	}
	return r.im.Map.Record(ctx, mapNumber, h.Number, id, map[string]any{"house": h.OldID})
}

// landlord returns the account of a listing's landlord, creating it once per
// phone number (concurrent rows of the same landlord wait for it).
func (r *run) landlord(ctx context.Context, l Landlord) (*landlord, error) {
	r.mu.Lock()
	ll, ok := r.landlords[l.Phone]
	if !ok {
		ll = &landlord{}
		r.landlords[l.Phone] = ll
	}
	r.mu.Unlock()
	var err error
	ll.once.Do(func() { err = r.createLandlord(ctx, l, ll) })
	if err == nil && ll.id == uuid.Nil && ll.err == "" {
		err = fmt.Errorf("the account of landlord %s could not be made", l.Phone) // its first row failed; the import stops
	}
	return ll, err
}

func (r *run) createLandlord(ctx context.Context, l Landlord, ll *landlord) error {
	id, done, err := r.im.Map.Lookup(ctx, mapLandlord, l.Phone)
	if err != nil {
		return err
	}
	if done {
		ll.id = id
		r.count(&r.report.Landlords, already)
		return nil
	}
	password, err := temporaryPassword()
	if err != nil {
		return err
	}
	res, err := r.im.Commands.ImportUser.Handle(ctx, command.ImportUser{
		Meta:   command.Meta{Actor: rental.System, CommandID: commandID(mapLandlord, l.Phone), MayRepeat: true, KeepRecord: true},
		Mobile: l.Phone, Password: password, Nickname: l.Name, ForceReset: true,
		Roles: []string{string(rental.RoleTenant), string(rental.RoleLandlord)},
	})
	if err != nil {
		if code := rental.ErrorCode(err); code != rental.EINVALID && code != rental.ECONFLICT {
			return err
		}
		ll.err = "landlord " + l.Phone + ": " + explain(err)
		r.count(&r.report.Landlords, failed)
		return nil
	}
	ll.id = res.ID
	r.count(&r.report.Landlords, imported)
	r.mu.Lock()
	r.report.MustReset++
	r.mu.Unlock()
	if err := r.credentials(ctx, l.Phone, password); err != nil {
		return err
	}
	return r.im.Map.Record(ctx, mapLandlord, l.Phone, res.ID, map[string]any{"name": l.Name})
}

// credentials hands a new landlord's temporary password to the operators,
// once it is known to be the account's: an interrupted earlier run may have
// created the account with another one (its command is not applied twice),
// and then the landlord needs a reset instead.
func (r *run) credentials(ctx context.Context, phone, password string) error {
	if r.im.Credentials == nil {
		return nil
	}
	_, err := r.im.Commands.OpenSession.Handle(ctx, command.OpenSession{Login: phone, Password: password})
	switch rental.ErrorFields(err)["new_password"] {
	case "":
		if rental.ErrorCode(err) == rental.EUNAUTHORIZED {
			r.note(&r.report.Warnings, "landlord", phone, "account created by an interrupted run: its temporary password is unknown, reset it")
			return nil
		}
		if err == nil {
			return fmt.Errorf("landlord %s logged in without choosing a password", phone)
		}
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_, err = fmt.Fprintf(r.im.Credentials, "%s,%s\n", phone, password)
	return err
}

func temporaryPassword() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// keepActivity keeps a user row for the activity pass when it has
// favorites or a history to bring; any other row is counted there now, as
// having nothing to do (the account refused, reported, or nothing to bring).
func (r *run) keepActivity(u User) {
	if len(u.Problems) > 0 || len(u.Favorites)+len(u.Seen) == 0 {
		r.count(&r.report.Activity, "")
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.activities = append(r.activities, User{OldID: u.OldID, Favorites: u.Favorites, Seen: u.Seen})
}

// activity brings a user's favorites and viewing history over, once every
// house is in. Old ids of houses that were not imported are reported as
// warnings; the rest of the row still goes.
func (r *run) activity(ctx context.Context, u User) (string, error) {
	user, ok, err := r.im.Map.Lookup(ctx, mapUser, u.OldID)
	if err != nil || !ok {
		return "", err // refused for another reason, reported by the users pass
	}
	if _, done, err := r.im.Map.Lookup(ctx, mapActivity, u.OldID); err != nil || done {
		return already, err
	}
	favorites, err := r.houses(ctx, u.OldID, "collect_id", u.Favorites)
	if err != nil {
		return "", err
	}
	seen, err := r.houses(ctx, u.OldID, "seen_id", u.Seen)
	if err != nil {
		return "", err
	}
	// Each command is idempotent by its id and by its rules (a favorite
	// added twice, a history import repeated: no change), so a run cut off
	// half way through a user repeats it safely.
	tenant := rental.Actor{UserID: user, Roles: []rental.Role{rental.RoleTenant}}
	// collect_id is oldest first and kept no times: a millisecond apart in
	// its order (the read model orders favorites by the millisecond), the
	// last one just now, so "newest first" shows them the old way round.
	first := time.Now().Add(-time.Duration(len(favorites)) * time.Millisecond)
	for i, f := range favorites {
		_, err := r.im.Commands.AddFavorite.Handle(ctx, command.AddFavorite{
			Meta:      command.Meta{Actor: tenant, CommandID: commandID(mapActivity, u.OldID, "favorite", f.old), MayRepeat: true, KeepRecord: true},
			ListingID: f.id, Since: first.Add(time.Duration(i) * time.Millisecond),
		})
		switch rental.ErrorCode(err) {
		case "":
		case rental.EINVALID, rental.ECONFLICT, rental.ENOTFOUND:
			r.note(&r.report.Warnings, UserTable, u.OldID, "collect_id "+f.old+": "+explain(err))
		default:
			return "", fmt.Errorf("adding favorite %s of user %s: %w", f.old, u.OldID, err)
		}
	}
	if len(seen) > 0 {
		listings := make([]uuid.UUID, len(seen))
		for i, s := range seen {
			listings[i] = s.id
		}
		_, err := r.im.Commands.ImportHistory.Handle(ctx, command.ImportHistory{
			Meta:   command.Meta{Actor: rental.System, CommandID: commandID(mapActivity, u.OldID, "history"), MayRepeat: true, KeepRecord: true},
			UserID: user, Listings: listings,
		})
		if err != nil {
			return "", fmt.Errorf("importing the history of user %s: %w", u.OldID, err)
		}
	}
	return imported, r.im.Map.Record(ctx, mapActivity, u.OldID, user, map[string]any{"favorites": len(favorites), "history": len(seen)})
}

// house is an old house id and the listing it became.
type house struct {
	old string
	id  uuid.UUID
}

// listing notes the listing an old house is, for the favorites and histories.
func (r *run) listing(old string, id uuid.UUID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.listings[old] = id
}

// houses maps old house ids to the listings they became, noting those that
// were not imported.
func (r *run) houses(ctx context.Context, user, column string, old []string) ([]house, error) {
	ids := make([]house, 0, len(old))
	for _, o := range old {
		r.mu.Lock()
		id, ok := r.listings[o]
		r.mu.Unlock()
		if !ok { // not in this run's source (or no longer parsed): the map may still know it
			var err error
			if id, ok, err = r.im.Map.Lookup(ctx, mapHouse, o); err != nil {
				return nil, err
			}
		}
		if !ok {
			r.note(&r.report.Warnings, UserTable, user, column+" "+o+": that house was not imported")
			continue
		}
		ids = append(ids, house{o, id})
	}
	return ids, nil
}
