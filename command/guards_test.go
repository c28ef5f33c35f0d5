package command

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// reachedStore is an OrderStore whose Update says a command got past its guard.
type reachedStore struct{ OrderStore }

var errReached = errors.New("the store was reached")

func (reachedStore) Update(context.Context, Meta, uuid.UUID, func(*Order) (events.Type, error)) (Result, error) {
	return Result{}, errReached
}

// The commands only operators and the platform's own jobs may run refuse
// everyone else through the one check: a caller who is not logged in is told
// to log in, a tenant or a landlord is forbidden, and an operator (a user
// with the admin role, or rental.System) gets past the check to the
// command's own rules.
func TestAdminAndPlatformOnlyCommands_refuseEveryoneElse(t *testing.T) {
	ctx := context.Background()
	guarded := map[string]func(rental.Actor) error{
		"import a history": func(a rental.Actor) error {
			_, err := ImportHistoryHandler{}.Handle(ctx, ImportHistory{Meta: Meta{Actor: a}})
			return err
		},
		"import views": func(a rental.Actor) error {
			_, err := ImportViewsHandler{}.Handle(ctx, ImportViews{Meta: Meta{Actor: a}, ListingID: uuid.New()})
			return err
		},
		"import an account": func(a rental.Actor) error {
			_, err := ImportUserHandler{}.Handle(ctx, ImportUser{Meta: Meta{Actor: a}})
			return err
		},
		"create an admin": func(a rental.Actor) error {
			_, err := RegisterUserHandler{}.Handle(ctx, RegisterUser{Meta: Meta{Actor: a}, Admin: true})
			return err
		},
		"end a stay (platform)": func(a rental.Actor) error {
			_, err := EndStayHandler{Store: reachedStore{}}.Handle(ctx, EndStay{Meta: Meta{Actor: a}, OrderID: uuid.New()})
			return err
		},
		"record views (platform)": func(a rental.Actor) error {
			_, err := RecordViewsHandler{}.Handle(ctx, RecordViews{Meta: Meta{Actor: a}})
			return err
		},
	}
	tenant := rental.Actor{UserID: uuid.New(), Roles: []rental.Role{rental.RoleTenant}}
	landlord := rental.Actor{UserID: uuid.New(), Roles: []rental.Role{rental.RoleTenant, rental.RoleLandlord}}
	operator := rental.Actor{UserID: uuid.New(), Roles: []rental.Role{rental.RoleAdmin}}
	for name, run := range guarded {
		t.Run(name, func(t *testing.T) {
			if err := run(rental.Actor{}); rental.ErrorCode(err) != rental.EUNAUTHORIZED {
				t.Errorf("anonymous: %v, want %s", err, rental.EUNAUTHORIZED)
			}
			for who, a := range map[string]rental.Actor{"tenant": tenant, "landlord": landlord} {
				err := run(a)
				if rental.ErrorCode(err) != rental.EFORBIDDEN {
					t.Errorf("%s: %v, want %s", who, err, rental.EFORBIDDEN)
				}
				if msg := rental.ErrorMessage(err); msg != "only an operator may do this" {
					t.Errorf("%s: the refusal says %q, want it to name who may", who, msg)
				}
			}
			for who, a := range map[string]rental.Actor{"operator": operator, "system": rental.System} {
				if err := run(a); rental.ErrorCode(err) == rental.EFORBIDDEN || rental.ErrorCode(err) == rental.EUNAUTHORIZED {
					t.Errorf("%s is refused: %v", who, err)
				}
			}
		})
	}
}

// Registering without asking for the admin role is open to anyone: the
// guard applies to the admin role only.
func TestRegisterUser_onlyTheAdminRoleIsGuarded(t *testing.T) {
	_, err := RegisterUserHandler{}.Handle(context.Background(), RegisterUser{})
	if rental.ErrorCode(err) != rental.EINVALID || rental.ErrorFields(err)["password"] == "" {
		t.Fatalf("an anonymous registration goes on to the password rule: %v", err)
	}
}
