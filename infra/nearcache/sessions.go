package nearcache

import (
	"context"
	"encoding/hex"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/golang-lru/v2/expirable"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
)

// Authenticator turns a token hash into the actor behind it and the time the
// session expires (the MySQL session store).
type Authenticator interface {
	Session(ctx context.Context, tokenHash []byte) (rental.Actor, time.Time, error)
}

// Sessions caches who a bearer token belongs to, so an authenticated request
// does not cost a MySQL read. It is only used while the change notices are
// live. A logout, a password change or a profile change (roles) is
// forgotten locally before the command answers and announced on the
// sessions channel to every other replica; a lookup that raced with such an
// announcement is not kept. Entries expire after a minute regardless, and
// each keeps its session's expiry: a session past it is refused at once,
// as MySQL would refuse it, not up to a minute later.
type Sessions struct {
	c       *Cache
	inner   Authenticator
	entries *expirable.LRU[string, session]
	epoch   atomic.Uint64
	master  goredis.UniversalClient
	channel string
	now     func() time.Time // the clock sessions expire by (tests set it)
}

type session struct {
	actor   rental.Actor
	expires time.Time
}

var errExpired = rental.Errorf(rental.EUNAUTHORIZED, "the token is unknown, expired or revoked")

// Sessions returns a session cache over inner that announces changes on
// channel through master.
func (c *Cache) Sessions(inner Authenticator, master goredis.UniversalClient, channel string) *Sessions {
	s := &Sessions{c: c, inner: inner, master: master, channel: channel, now: time.Now,
		entries: expirable.NewLRU[string, session](100000, nil, time.Minute)}
	c.sessions, c.sessionChannel = s, channel
	return s
}

func (s *Sessions) Authenticate(ctx context.Context, tokenHash []byte) (rental.Actor, error) {
	key := string(tokenHash)
	if s.c.live.Load() {
		if e, ok := s.entries.Get(key); ok {
			if !s.now().Before(e.expires) {
				s.entries.Remove(key)
				return rental.Actor{}, errExpired
			}
			return e.actor, nil
		}
	}
	epoch := s.epoch.Load()
	a, expires, err := s.inner.Session(ctx, tokenHash)
	if err == nil && s.c.live.Load() && s.epoch.Load() == epoch {
		s.entries.Add(key, session{actor: a, expires: expires})
	}
	return a, err
}

// announcement is what a replica tells the others on the sessions channel:
// a revoked token ("token <hex hash>") or a changed user ("user <id>"),
// one of the two. Its String is the message; parseAnnouncement reads it back.
type announcement struct {
	token []byte
	user  uuid.UUID
}

func (a announcement) String() string {
	if a.token != nil {
		return "token " + hex.EncodeToString(a.token)
	}
	return "user " + a.user.String()
}

// parseAnnouncement reads a message; ok is false for one it cannot read.
func parseAnnouncement(msg string) (a announcement, ok bool) {
	kind, rest, _ := strings.Cut(msg, " ")
	var err error
	switch kind {
	case "token":
		a.token, err = hex.DecodeString(rest)
		if a.token == nil {
			a.token = []byte{}
		}
	case "user":
		a.user, err = uuid.Parse(rest)
	default:
		return announcement{}, false
	}
	return a, err == nil
}

// notice applies an announcement.
func (s *Sessions) notice(msg string) {
	a, ok := parseAnnouncement(msg)
	switch {
	case !ok:
	case a.token != nil:
		s.forgetToken(a.token)
	default:
		s.forgetUser(a.user)
	}
}

func (s *Sessions) forgetToken(hash []byte) {
	s.epoch.Add(1)
	s.entries.Remove(string(hash))
}

func (s *Sessions) forgetUser(id uuid.UUID) {
	s.epoch.Add(1)
	for _, key := range s.entries.Keys() {
		if e, ok := s.entries.Peek(key); ok && e.actor.UserID == id {
			s.entries.Remove(key)
		}
	}
}

func (s *Sessions) purge() {
	s.epoch.Add(1)
	s.entries.Purge()
}

// announce tells the other replicas; a failure is harmless for them as long
// as their notices are down too (they do not cache then), and is logged.
func (s *Sessions) announce(ctx context.Context, a announcement) {
	if err := s.master.Publish(ctx, s.channel, a.String()).Err(); err != nil {
		s.c.log.Warn("announcing a session change failed", "err", err)
	}
}

// SessionStore wraps the command side's session store so revocations reach the cache.
func (s *Sessions) SessionStore(inner command.SessionStore) command.SessionStore {
	return sessionStore{SessionStore: inner, s: s}
}

// UserStore wraps the command side's user store so a changed user (roles,
// password) is re-read on their next request.
func (s *Sessions) UserStore(inner command.UserStore) command.UserStore {
	return userStore{UserStore: inner, s: s}
}

type sessionStore struct {
	command.SessionStore
	s *Sessions
}

func (d sessionStore) Revoke(ctx context.Context, tokenHash []byte) error {
	err := d.SessionStore.Revoke(ctx, tokenHash)
	d.s.forgetToken(tokenHash)
	d.s.announce(ctx, announcement{token: tokenHash})
	return err
}

func (d sessionStore) RevokeAllExcept(ctx context.Context, userID uuid.UUID, keep []byte) error {
	err := d.SessionStore.RevokeAllExcept(ctx, userID, keep)
	d.s.forgetUser(userID)
	d.s.announce(ctx, announcement{user: userID})
	return err
}

type userStore struct {
	command.UserStore
	s *Sessions
}

func (d userStore) Update(ctx context.Context, meta command.Meta, id uuid.UUID, fn func(*command.User) (events.Type, error)) (command.Result, error) {
	res, err := d.UserStore.Update(ctx, meta, id, fn)
	if err == nil {
		d.s.forgetUser(id)
		d.s.announce(ctx, announcement{user: id})
	}
	return res, err
}
