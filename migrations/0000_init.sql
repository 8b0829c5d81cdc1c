CREATE TABLE `api_tokens` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`prefix` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_token_hash_idx` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `api_tokens_user_id_idx` ON `api_tokens` (`user_id`);--> statement-breakpoint
CREATE TABLE `import_chunks` (
	`import_id` text NOT NULL,
	`idx` integer NOT NULL,
	`byte_start` integer NOT NULL,
	`byte_end` integer NOT NULL,
	`first_line` integer NOT NULL,
	`row_count` integer NOT NULL,
	PRIMARY KEY(`import_id`, `idx`),
	FOREIGN KEY (`import_id`) REFERENCES `imports`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `import_lines` (
	`import_id` text NOT NULL,
	`line` integer NOT NULL,
	`employee_number` text DEFAULT '' NOT NULL,
	`employee_key` text,
	`email_key` text,
	`outcome` text NOT NULL,
	`has_warning` integer DEFAULT false NOT NULL,
	`messages` text NOT NULL,
	`values` text NOT NULL,
	PRIMARY KEY(`import_id`, `line`),
	FOREIGN KEY (`import_id`) REFERENCES `imports`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `import_lines_import_id_employee_key_idx` ON `import_lines` (`import_id`,`employee_key`);--> statement-breakpoint
CREATE INDEX `import_lines_import_id_email_key_idx` ON `import_lines` (`import_id`,`email_key`);--> statement-breakpoint
CREATE INDEX `import_lines_import_id_outcome_line_idx` ON `import_lines` (`import_id`,`outcome`,`line`);--> statement-breakpoint
CREATE INDEX `import_lines_import_id_has_warning_line_idx` ON `import_lines` (`import_id`,`has_warning`,`line`);--> statement-breakpoint
CREATE TABLE `imports` (
	`id` text PRIMARY KEY NOT NULL,
	`uploaded_by` integer NOT NULL,
	`file_name` text NOT NULL,
	`file_size` integer NOT NULL,
	`file_key` text NOT NULL,
	`encoding` text NOT NULL,
	`delimiter` text NOT NULL,
	`header_line` integer DEFAULT 1 NOT NULL,
	`columns` text NOT NULL,
	`ignored_columns` text NOT NULL,
	`preview` text NOT NULL,
	`status` text DEFAULT 'ready' NOT NULL,
	`total_rows` integer NOT NULL,
	`processed_rows` integer DEFAULT 0 NOT NULL,
	`chunk_count` integer NOT NULL,
	`next_chunk` integer DEFAULT 0 NOT NULL,
	`created` integer DEFAULT 0 NOT NULL,
	`updated` integer DEFAULT 0 NOT NULL,
	`unchanged` integer DEFAULT 0 NOT NULL,
	`failed` integer DEFAULT 0 NOT NULL,
	`warnings` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	`progress_at` integer,
	`purged_at` integer,
	`error` text,
	FOREIGN KEY (`uploaded_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `imports_created_at_idx` ON `imports` (`created_at`);--> statement-breakpoint
CREATE INDEX `imports_status_progress_at_idx` ON `imports` (`status`,`progress_at`);--> statement-breakpoint
CREATE TABLE `location_keys` (
	`key` text PRIMARY KEY NOT NULL,
	`location_id` integer NOT NULL,
	`kind` text NOT NULL,
	`label` text NOT NULL,
	FOREIGN KEY (`location_id`) REFERENCES `locations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `location_keys_location_id_idx` ON `location_keys` (`location_id`);--> statement-breakpoint
CREATE TABLE `locations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`code` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `roles` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`name_key` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`permissions` text DEFAULT '[]' NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `roles_name_key_idx` ON `roles` (`name_key`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`id_hash` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`csrf_token` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`expires_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `sessions_user_id_idx` ON `sessions` (`user_id`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`employee_number` text NOT NULL,
	`employee_key` text NOT NULL,
	`first_name` text DEFAULT '' NOT NULL,
	`last_name` text DEFAULT '' NOT NULL,
	`email` text NOT NULL,
	`email_key` text NOT NULL,
	`location_id` integer,
	`role_id` integer NOT NULL,
	`role_locked` integer DEFAULT false NOT NULL,
	`location_locked` integer DEFAULT false NOT NULL,
	`password_hash` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`created_import_id` text,
	`last_import_id` text,
	`last_imported_at` integer,
	FOREIGN KEY (`location_id`) REFERENCES `locations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`role_id`) REFERENCES `roles`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_employee_key_idx` ON `users` (`employee_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_key_idx` ON `users` (`email_key`);--> statement-breakpoint
CREATE INDEX `users_last_import_id_idx` ON `users` (`last_import_id`,`employee_key`);--> statement-breakpoint
CREATE INDEX `users_last_imported_at_idx` ON `users` (`last_imported_at`);--> statement-breakpoint
CREATE INDEX `users_location_id_idx` ON `users` (`location_id`);--> statement-breakpoint
CREATE INDEX `users_role_id_idx` ON `users` (`role_id`);