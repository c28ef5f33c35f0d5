package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/query"
)

func (h handlers) registerUser(c echo.Context) error {
	var body struct {
		Email    string   `json:"email"`
		Mobile   string   `json:"mobile"`
		Password string   `json:"password"`
		Nickname string   `json:"nickname"`
		Roles    []string `json:"roles"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	res, err := h.cmd.RegisterUser.Handle(c.Request().Context(), command.RegisterUser{
		Meta: meta(c), Email: body.Email, Mobile: body.Mobile, Password: body.Password,
		Nickname: body.Nickname, Roles: body.Roles,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, res)
}

func (h handlers) openSession(c echo.Context) error {
	var body struct {
		Login       string `json:"login"`
		Password    string `json:"password"`
		NewPassword string `json:"new_password"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	s, err := h.cmd.OpenSession.Handle(c.Request().Context(), command.OpenSession{Meta: meta(c), Login: body.Login, Password: body.Password,
		NewPassword: body.NewPassword})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s)
}

func (h handlers) closeSession(c echo.Context) error {
	_, err := h.cmd.CloseSession.Handle(c.Request().Context(), command.CloseSession{Meta: meta(c), TokenHash: tokenHashOf(c)})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h handlers) currentUser(c echo.Context) error {
	bad := map[string]string{}
	q := query.CurrentUser{Actor: actorOf(c), MinVersion: minVersion(c, bad)}
	if err := rental.Invalid(bad); err != nil {
		return err
	}
	b, err := h.q.CurrentUser.Handle(c.Request().Context(), q)
	if err == nil {
		err = reached(c, b, q.MinVersion)
	}
	if err != nil {
		return err
	}
	return writeBody(c, b)
}

func (h handlers) editProfile(c echo.Context) error {
	var body struct { // command.ProfilePatch's fields, and the password a change of login needs
		Nickname        *string   `json:"nickname"`
		Email           *string   `json:"email"`
		Mobile          *string   `json:"mobile"`
		Roles           *[]string `json:"roles"`
		CurrentPassword string    `json:"current_password"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	patch := command.ProfilePatch{Nickname: body.Nickname, Email: body.Email, Mobile: body.Mobile, Roles: body.Roles}
	res, err := h.cmd.EditProfile.Handle(c.Request().Context(), command.EditProfile{Meta: meta(c), Patch: patch,
		CurrentPassword: body.CurrentPassword, KeepSession: tokenHashOf(c)})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

func (h handlers) changePassword(c echo.Context) error {
	var body struct {
		Current string `json:"current_password"`
		New     string `json:"new_password"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	res, err := h.cmd.ChangePassword.Handle(c.Request().Context(), command.ChangePassword{
		Meta: meta(c), Current: body.Current, New: body.New, KeepSession: tokenHashOf(c),
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

func (h handlers) myListings(c echo.Context) error {
	bad := map[string]string{}
	q := query.MyListings{Actor: actorOf(c), Status: c.QueryParam("status"), Page: int(queryInt(c, "page", bad)), PageSize: int(queryInt(c, "page_size", bad))}
	if err := rental.Invalid(bad); err != nil {
		return err
	}
	b, err := h.q.MyListings.Handle(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return writeBody(c, b)
}

func (h handlers) areas(c echo.Context) error {
	b, err := h.q.Areas.Handle(c.Request().Context(), query.Areas{})
	if err != nil {
		return err
	}
	return writeBody(c, b)
}

func (h handlers) facilities(c echo.Context) error {
	b, err := h.q.Facilities.Handle(c.Request().Context(), query.Facilities{})
	if err != nil {
		return err
	}
	return writeBody(c, b)
}
