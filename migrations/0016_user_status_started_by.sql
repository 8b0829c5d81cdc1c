ALTER TABLE `imports` ADD `started_by` integer REFERENCES users(id);--> statement-breakpoint
ALTER TABLE `users` ADD `status` text DEFAULT 'active' NOT NULL;