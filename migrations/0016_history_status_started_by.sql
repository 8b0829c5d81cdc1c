-- user_changes without rowid: a change's row is its only write (see userChanges in src/db/schema.ts).
CREATE TABLE `user_changes` (
	`user_id` integer NOT NULL,
	`at` integer NOT NULL,
	`source` text NOT NULL,
	`import_seq` integer DEFAULT 0 NOT NULL,
	`line` integer DEFAULT 0 NOT NULL,
	`by_user_id` integer,
	`changes` text NOT NULL,
	PRIMARY KEY(`user_id`, `at`, `source`, `import_seq`, `line`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
ALTER TABLE `imports` ADD `started_by` integer REFERENCES users(id);--> statement-breakpoint
ALTER TABLE `users` ADD `status` text DEFAULT 'active' NOT NULL;