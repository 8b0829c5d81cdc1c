CREATE TABLE `key_collisions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`field` text NOT NULL,
	`row_id` integer NOT NULL,
	`other_id` integer NOT NULL,
	`key` text NOT NULL,
	`kept_key` text NOT NULL,
	`found_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `key_collisions_kind_field_kept_key_idx` ON `key_collisions` (`kind`,`field`,`kept_key`);--> statement-breakpoint
CREATE TABLE `key_rebuilds` (
	`target` text PRIMARY KEY NOT NULL,
	`after_id` integer DEFAULT 0 NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
DROP INDEX `users_name_key_stale_idx`;--> statement-breakpoint
ALTER TABLE `users` DROP COLUMN `name_key_stale`;--> statement-breakpoint
-- Keys now fold look-alike forms (toKey: NFKC, case folding, invisible characters removed), which
-- SQLite cannot compute: the scheduled job remakes every stored key in JavaScript from these rows.
INSERT INTO `key_rebuilds` (`target`) VALUES ('users'), ('locations'), ('roles');
