-- Without rowid, by hand as drizzle-kit cannot say it: a row is its only write (see syncDeactivations).
CREATE TABLE `sync_deactivations` (
	`import_seq` integer NOT NULL,
	`user_id` integer NOT NULL,
	PRIMARY KEY(`import_seq`, `user_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
ALTER TABLE `chunk_outcomes` ADD `named_users` text;--> statement-breakpoint
ALTER TABLE `imports` ADD `sync` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `imports` ADD `deactivated` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `imports` ADD `sync_after_id` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `deactivated_by_sync` integer;