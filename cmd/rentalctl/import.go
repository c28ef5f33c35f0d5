package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/zufang/rental/infra/ops"
	"github.com/zufang/rental/infra/ops/oldsite"
)

func importCmd() *cobra.Command {
	var dump, dsn, city, credentials string
	var forceReset, asJSON bool
	c := &cobra.Command{
		Use:   "import",
		Short: "Import the old site's users, houses, page views, favorites and histories (a mysqldump file or its live database); safe to run again",
		Long: "Imports house_info and user_info from the old site through the normal command path, so the read\n" +
			"models follow: accounts, houses as published listings, their page views (added to the view counts),\n" +
			"each user's favorites (collect_id) and viewing history (seen_id, which counts no view again).\n" +
			"Rows it cannot parse are reported, not imported; a second run changes nothing, and an interrupted\n" +
			"run may be repeated at any time.\n" +
			"Landlord accounts (one per phone number) get a temporary password (--landlord-credentials FILE\n" +
			"writes them for an SMS to the landlords); every account whose old password breaks today's policy\n" +
			"(or every account, --force-reset) must choose a new one at its first login.\n" +
			"The source: --dump FILE, --source-dsn DSN, or RENTAL_OLD_SITE_DSN.",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dsn == "" {
				dsn = os.Getenv("RENTAL_OLD_SITE_DSN")
			}
			var src oldsite.Source
			switch {
			case dump != "" && dsn != "":
				return errors.New("name one source: --dump or --source-dsn")
			case dump != "":
				src = oldsite.Dump{Path: dump}
			case dsn != "":
				src = oldsite.DB{DSN: dsn}
			default:
				return errors.New("name the source: --dump FILE (a mysqldump of the old site), --source-dsn DSN or RENTAL_OLD_SITE_DSN")
			}
			ctx := cmd.Context()
			base, err := openBase(ctx)
			if err != nil {
				return err
			}
			defer base.Close()
			var creds io.Writer
			if credentials != "" {
				f, err := os.OpenFile(credentials, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
				if err != nil {
					return err
				}
				defer f.Close()
				creds = f
			}
			rel, stopRelay, err := startRelay(ctx, base)
			if err != nil {
				return err
			}
			defer stopRelay()
			report, err := ops.NewImporter(base, rel, city, forceReset, creds).Run(ctx, src)
			waitForOutbox(ctx, base, 15*time.Second)
			if report != nil {
				printImport(cmd.OutOrStdout(), report, asJSON)
			}
			return err
		},
	}
	f := c.Flags()
	f.StringVar(&dump, "dump", "", "a mysqldump file of the old site (.sql or .sql.gz)")
	f.StringVar(&dsn, "source-dsn", "", "the old site's database, e.g. user:pass@tcp(old-db:3306)/house")
	f.StringVar(&city, "city", oldsite.DefaultCity, "the city of every house: the old site served one city, and a district of another is refused")
	f.BoolVar(&forceReset, "force-reset", false, "make every imported account choose a new password")
	f.StringVar(&credentials, "landlord-credentials", "", "append 'phone,temporary password' of new landlord accounts to this file (mode 0600)")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	return c
}

func printImport(w io.Writer, r *oldsite.Report, asJSON bool) {
	if asJSON {
		_ = writeJSON(w, r)
		return
	}
	for _, t := range []string{oldsite.UserTable, oldsite.HouseTable} {
		c := r.Tables[t]
		fmt.Fprintf(w, "%-10s read %d: imported %d, already imported %d, not imported %d, duplicates %d\n", t, c.Read, c.Imported, c.AlreadyImported, c.Failed, c.Duplicate)
	}
	l := r.Landlords
	fmt.Fprintf(w, "landlords  created %d, already there %d, refused %d; %d new accounts must choose a new password\n",
		l.Imported, l.AlreadyImported, l.Failed, r.MustReset)
	fmt.Fprintf(w, "page views of %d houses added to their view counts\n", r.PageViews.Imported)
	a := r.Activity
	fmt.Fprintf(w, "favorites and history of %d users imported, %d already imported\n", a.Imported, a.AlreadyImported)
	for _, n := range r.Problems {
		fmt.Fprintf(w, "not imported  %s %s: %s\n", n.Table, n.ID, n.Note)
	}
	for _, n := range r.Warnings {
		fmt.Fprintf(w, "warning       %s %s: %s\n", n.Table, n.ID, n.Note)
	}
}
