ALTER TABLE `imports` ADD `created_users_from` integer;--> statement-breakpoint
ALTER TABLE `imports` ADD `created_users_to` integer;