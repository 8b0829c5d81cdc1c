-- Line outcomes are keyed by the import's number instead of its 36-character id: every one of
-- an import's lines repeats the key in the table and in each of its indexes.
ALTER TABLE `imports` ADD `seq` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE `imports` SET `seq` = numbered.`seq`
  FROM (SELECT `id`, row_number() OVER (ORDER BY `created_at`, `id`) AS `seq` FROM `imports`) AS numbered
  WHERE numbered.`id` = `imports`.`id`;--> statement-breakpoint
CREATE UNIQUE INDEX `imports_seq_idx` ON `imports` (`seq`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_import_lines` (
	`import_seq` integer NOT NULL,
	`line` integer NOT NULL,
	`employee_number` text DEFAULT '' NOT NULL,
	`employee_key` text,
	`email_key` text,
	`outcome` text NOT NULL,
	`has_warning` integer DEFAULT false NOT NULL,
	`messages` text NOT NULL,
	`values` text NOT NULL,
	PRIMARY KEY(`import_seq`, `line`)
);
--> statement-breakpoint
INSERT INTO `__new_import_lines`("import_seq", "line", "employee_number", "employee_key", "email_key", "outcome", "has_warning", "messages", "values")
  SELECT i."seq", l."line", l."employee_number", l."employee_key", l."email_key", l."outcome", l."has_warning", l."messages", l."values"
  FROM `import_lines` l JOIN `imports` i ON i."id" = l."import_id";--> statement-breakpoint
DROP TABLE `import_lines`;--> statement-breakpoint
ALTER TABLE `__new_import_lines` RENAME TO `import_lines`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `import_lines_import_seq_employee_key_idx` ON `import_lines` (`import_seq`,`employee_key`);--> statement-breakpoint
CREATE INDEX `import_lines_import_seq_email_key_idx` ON `import_lines` (`import_seq`,`email_key`) WHERE "import_lines"."email_key" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `import_lines_failed_idx` ON `import_lines` (`import_seq`,`line`) WHERE "import_lines"."outcome" = 'failed';--> statement-breakpoint
CREATE INDEX `import_lines_warning_idx` ON `import_lines` (`import_seq`,`line`) WHERE "import_lines"."has_warning" = 1;
