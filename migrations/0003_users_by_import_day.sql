DROP INDEX `users_last_imported_at_idx`;--> statement-breakpoint
CREATE INDEX `imports_started_at_idx` ON `imports` (`started_at`);