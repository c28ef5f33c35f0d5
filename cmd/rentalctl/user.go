package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/infra/system"
)

func userCmd() *cobra.Command {
	c := &cobra.Command{Use: "user", Short: "Manage accounts"}
	var email, mobile, nickname, password string
	var admin, landlord bool
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an account; --admin makes an operator (the only way to get one)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			base, err := openBase(ctx)
			if err != nil {
				return err
			}
			defer base.Close()
			rel, err := base.NewRelay(nil)
			if err != nil {
				return err
			}
			roles := []string{string(rental.RoleTenant)}
			if landlord {
				roles = append(roles, string(rental.RoleLandlord))
			}
			res, err := system.NewCommands(base, rel, nil).RegisterUser.Handle(ctx, command.RegisterUser{
				Meta: command.Meta{Actor: rental.System}, Email: email, Mobile: mobile, Password: password,
				Nickname: nickname, Roles: roles, Admin: admin,
			})
			if err != nil {
				return err
			}
			// Publish now rather than leave it to another relay's sweep.
			if _, err := rel.Sweep(ctx, 0); err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), "the account is saved; its event will be published by the next sweep:", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created user %s\n", res.ID)
			return nil
		},
	}
	create.Flags().StringVar(&email, "email", "", "login email")
	create.Flags().StringVar(&mobile, "mobile", "", "login mobile number")
	create.Flags().StringVar(&nickname, "nickname", "", "display name (required)")
	create.Flags().StringVar(&password, "password", "", "password, 8 to 72 bytes (required)")
	create.Flags().BoolVar(&admin, "admin", false, "make the account an operator")
	create.Flags().BoolVar(&landlord, "landlord", false, "let the account publish listings")
	c.AddCommand(create)
	return c
}
