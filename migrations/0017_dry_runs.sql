-- Both tables without rowid, as flagged_lines and user_changes: a row is one write, plus an index entry.
CREATE TABLE `projected_changes` (
	`import_seq` integer NOT NULL,
	`line` integer NOT NULL,
	`changes` text NOT NULL,
	PRIMARY KEY(`import_seq`, `line`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `projected_users` (
	`import_seq` integer NOT NULL,
	`employee_key` text NOT NULL,
	`employee_number` text NOT NULL,
	`first_name` text NOT NULL,
	`last_name` text NOT NULL,
	`email` text NOT NULL,
	`email_key` text NOT NULL,
	`location_id` integer,
	`role_id` integer NOT NULL,
	PRIMARY KEY(`import_seq`, `employee_key`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `projected_users_import_seq_email_key_idx` ON `projected_users` (`import_seq`,`email_key`);--> statement-breakpoint
ALTER TABLE `imports` ADD `dry_run` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `imports` ADD `applied_import_id` text;