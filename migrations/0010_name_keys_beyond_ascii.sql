ALTER TABLE `users` ADD `name_key_stale` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX `users_name_key_stale_idx` ON `users` (`id`) WHERE "users"."name_key_stale" = 1;--> statement-breakpoint
-- Migration 0008 made every existing user's name key with SQLite's lower(), which folds only
-- ASCII letters. Names beyond ASCII are flagged here, and the scheduled job remakes their keys.
UPDATE `users` SET `name_key_stale` = 1 WHERE (`first_name` || `last_name`) GLOB '*[^ -~]*';
