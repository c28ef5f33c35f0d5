package check

import (
	"github.com/google/uuid"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/readmodel"
)

// Users checks the users read model against the users table.
func Users(states mysql.States, rm *readmodel.Store) Checker {
	return table(readmodel.Users, "user", states.Users(),
		func(st events.UserState) uuid.UUID { return st.ID }, readmodel.NewInspector(rm).ExpectUser)
}
