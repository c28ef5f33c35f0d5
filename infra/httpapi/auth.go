package httpapi

import (
	"context"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
)

// Authenticator turns a token hash into the actor behind it.
type Authenticator interface {
	Authenticate(ctx context.Context, tokenHash []byte) (rental.Actor, error)
}

const (
	actorKey     = "rental.actor"
	tokenHashKey = "rental.token_hash"
)

// authenticate reads "Authorization: Bearer <token>" (the scheme in any
// case, RFC 9110). A request without one is anonymous; a request with a bad
// one is refused (401), whatever the route.
func authenticate(auth Authenticator) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			header := c.Request().Header.Get(echo.HeaderAuthorization)
			if header == "" {
				return next(c)
			}
			scheme, token, ok := strings.Cut(header, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
				return rental.Errorf(rental.EUNAUTHORIZED, "Authorization must be \"Bearer <token>\"")
			}
			hash := command.HashToken(strings.TrimSpace(token))
			actor, err := auth.Authenticate(c.Request().Context(), hash)
			if err != nil {
				return err
			}
			c.Set(actorKey, actor)
			c.Set(tokenHashKey, hash)
			return next(c)
		}
	}
}

// requireLogin refuses anonymous requests.
func requireLogin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if actorOf(c).Anonymous() {
			return rental.Errorf(rental.EUNAUTHORIZED, "log in first: send Authorization: Bearer <token>")
		}
		return next(c)
	}
}

func actorOf(c echo.Context) rental.Actor {
	a, _ := c.Get(actorKey).(rental.Actor)
	return a
}

func tokenHashOf(c echo.Context) []byte {
	h, _ := c.Get(tokenHashKey).([]byte)
	return h
}
