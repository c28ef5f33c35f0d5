package system

import (
	"io"

	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/oldsite"
	"github.com/zufang/rental/infra/relay"
)

// NewImporter imports the old site through this platform's commands, whose
// events rel publishes (rentalctl import).
func NewImporter(b *Base, rel *relay.Relay, city string, forceReset bool, credentials io.Writer) *oldsite.Importer {
	return &oldsite.Importer{
		Commands: NewCommands(b, rel, nil), Map: mysql.NewImportMap(b.Pools.Writer),
		Parser:     oldsite.Parser{Catalog: b.Catalog, City: city},
		ForceReset: forceReset, Parallel: 4, Credentials: credentials,
	}
}
