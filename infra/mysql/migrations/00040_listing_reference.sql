-- A listing's reference number (房源编号): the landlord's own number for it,
-- and for a listing imported from the old site its house_num, so the old
-- number still finds it (issue 11).

-- +goose Up
ALTER TABLE listings ADD COLUMN reference VARCHAR(64) NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE listings DROP COLUMN reference;
