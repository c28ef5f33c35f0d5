package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/infra/ops/deadletter"
	opsstatus "github.com/zufang/rental/infra/ops/status"
)

// Ops is what the operator page (/ops) shows and does: what `rentalctl
// status` and `rentalctl dlq` show, for an admin. infra/system/apiserver.Operations
// implements it; every method checks the actor is an admin itself.
type Ops interface {
	// Status collects the status screen; a source that cannot be read is
	// reported in it (and as a problem), not as an error.
	Status(ctx context.Context, a rental.Actor) (opsstatus.Report, error)
	// DeadLetters lists up to limit dead letters after the id ("" = from the
	// oldest) and counts them all.
	DeadLetters(ctx context.Context, a rental.Actor, after string, limit int) ([]deadletter.Entry, int64, error)
	// RetryDeadLetter sends a dead letter back to its stream; ENOTFOUND if it is gone.
	RetryDeadLetter(ctx context.Context, a rental.Actor, id string) (deadletter.Entry, error)
	// DropDeadLetter deletes it; ENOTFOUND if it is gone.
	DropDeadLetter(ctx context.Context, a rental.Actor, id string) error
}

// opsRefresh is how often the operator page reloads itself, in seconds.
const opsRefresh = 5

// deadLettersPerPage bounds the dead letters one page lists.
const deadLettersPerPage = 50

type opsView struct {
	Report      opsstatus.Report
	DeadLetters []deadletter.Entry
	DeadCount   int64
	After       string // the cursor this page started after ("" = first page)
	Next        string // the cursor of the next page, "" when this is the last
	Notice      string // what the last action did
	Refresh     int
}

func (p *pages) opsPage(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	report, err := p.Ops.Status(ctx, a)
	if err != nil {
		return err
	}
	after := c.QueryParam("after")
	entries, n, err := p.Ops.DeadLetters(ctx, a, after, deadLettersPerPage+1)
	if err != nil {
		return err
	}
	v := opsView{Report: report, DeadCount: n, After: after, Refresh: opsRefresh, Notice: opsNotice(c.QueryParam("done"), c.QueryParam("id"))}
	if len(entries) > deadLettersPerPage {
		entries = entries[:deadLettersPerPage]
		v.Next = entries[len(entries)-1].ID
	}
	v.DeadLetters = entries
	return p.render(c, http.StatusOK, "ops", "运维", v)
}

func opsNotice(done, id string) string {
	switch done {
	case "retried":
		return "死信 " + id + " 已重新投递到原事件流。"
	case "dropped":
		return "死信 " + id + " 已删除。"
	}
	return ""
}

// deadLetterID is a stream entry id ("<ms>-<n>"); anything else names no letter.
func deadLetterID(c echo.Context) (string, error) {
	id := c.Param("id")
	ms, n, ok := strings.Cut(id, "-")
	if !ok || ms == "" || n == "" || strings.Trim(ms+n, "0123456789") != "" {
		return "", rental.Errorf(rental.ENOTFOUND, "no such dead letter")
	}
	return id, nil
}

func (p *pages) retryDeadLetter(c echo.Context) error {
	id, err := deadLetterID(c)
	if err != nil {
		return err
	}
	if _, err := p.Ops.RetryDeadLetter(c.Request().Context(), actorOf(c), id); err != nil {
		return err
	}
	return see303(c, opsBack(c, "retried", id))
}

func (p *pages) dropDeadLetter(c echo.Context) error {
	id, err := deadLetterID(c)
	if err != nil {
		return err
	}
	if err := p.Ops.DropDeadLetter(c.Request().Context(), actorOf(c), id); err != nil {
		return err
	}
	return see303(c, opsBack(c, "dropped", id))
}

// opsBack is the operator page again, on the dead-letter page the form was
// on, saying what was done.
func opsBack(c echo.Context, done, id string) string {
	q := url.Values{"done": {done}, "id": {id}}
	if after := c.FormValue("after"); after != "" {
		q.Set("after", after)
	}
	return "/ops?" + q.Encode() + "#dead-letters"
}
