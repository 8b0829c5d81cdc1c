CREATE TABLE `__new_import_lines` (
	`import_id` text NOT NULL,
	`line` integer NOT NULL,
	`employee_number` text DEFAULT '' NOT NULL,
	`employee_key` text,
	`email_key` text,
	`outcome` text NOT NULL,
	`has_warning` integer DEFAULT false NOT NULL,
	`messages` text NOT NULL,
	`values` text NOT NULL,
	PRIMARY KEY(`import_id`, `line`)
);
--> statement-breakpoint
INSERT INTO `__new_import_lines`("import_id", "line", "employee_number", "employee_key", "email_key", "outcome", "has_warning", "messages", "values") SELECT "import_id", "line", "employee_number", "employee_key", "email_key", "outcome", "has_warning", "messages", "values" FROM `import_lines`;--> statement-breakpoint
DROP TABLE `import_lines`;--> statement-breakpoint
ALTER TABLE `__new_import_lines` RENAME TO `import_lines`;--> statement-breakpoint
CREATE INDEX `import_lines_import_id_employee_key_idx` ON `import_lines` (`import_id`,`employee_key`);--> statement-breakpoint
CREATE INDEX `import_lines_import_id_email_key_idx` ON `import_lines` (`import_id`,`email_key`) WHERE "import_lines"."email_key" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `import_lines_failed_idx` ON `import_lines` (`import_id`,`line`) WHERE "import_lines"."outcome" = 'failed';--> statement-breakpoint
CREATE INDEX `import_lines_warning_idx` ON `import_lines` (`import_id`,`line`) WHERE "import_lines"."has_warning" = 1;--> statement-breakpoint
DROP INDEX `users_location_id_idx`;--> statement-breakpoint
DROP INDEX `users_role_id_idx`;