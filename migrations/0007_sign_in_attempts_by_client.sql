ALTER TABLE `sign_in_failures` ADD `client` text;--> statement-breakpoint
CREATE INDEX `sign_in_failures_client_failed_at_idx` ON `sign_in_failures` (`client`,`failed_at`);