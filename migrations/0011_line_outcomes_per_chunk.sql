CREATE TABLE `chunk_outcomes` (
	`import_seq` integer NOT NULL,
	`idx` integer NOT NULL,
	`outcomes` text NOT NULL,
	PRIMARY KEY(`import_seq`, `idx`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `flagged_lines` (
	`import_seq` integer NOT NULL,
	`line` integer NOT NULL,
	`employee_number` text DEFAULT '' NOT NULL,
	`outcome` text NOT NULL,
	`has_warning` integer DEFAULT false NOT NULL,
	`messages` text NOT NULL,
	`values` text NOT NULL,
	PRIMARY KEY(`import_seq`, `line`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `flagged_lines_failed_idx` ON `flagged_lines` (`import_seq`,`line`) WHERE "flagged_lines"."outcome" = 'failed';--> statement-breakpoint
CREATE INDEX `flagged_lines_warning_idx` ON `flagged_lines` (`import_seq`,`line`) WHERE "flagged_lines"."has_warning" = 1;--> statement-breakpoint
CREATE TABLE `import_keys` (
	`import_seq` integer NOT NULL,
	`kind` text NOT NULL,
	`key` text NOT NULL,
	`line` integer NOT NULL,
	PRIMARY KEY(`import_seq`, `kind`, `key`)
) WITHOUT ROWID;
--> statement-breakpoint
ALTER TABLE `import_chunks` ADD `employee_repeats` text;--> statement-breakpoint
ALTER TABLE `import_chunks` ADD `email_repeats` text;--> statement-breakpoint
-- Imports running during the upgrade keep their earlier lines in import_lines; their keys move to
-- import_keys so the rest of the file still finds them. Their chunks have no repeats (null), so
-- every later line is checked against these. An applied line's email was found through its user;
-- lower(trim()) is the key as migration 0008 made keys in SQL.
INSERT INTO `import_keys` (`import_seq`, `kind`, `key`, `line`)
SELECT `import_seq`, 'employee', `employee_key`, min(`line`) FROM `import_lines`
WHERE `employee_key` IS NOT NULL AND `import_seq` IN (SELECT `seq` FROM `imports` WHERE `status` IN ('queued', 'processing'))
GROUP BY `import_seq`, `employee_key`;--> statement-breakpoint
INSERT INTO `import_keys` (`import_seq`, `kind`, `key`, `line`)
SELECT `import_seq`, 'email', `key`, min(`line`) FROM (
  SELECT `import_seq`, `email_key` AS `key`, `line` FROM `import_lines` WHERE `email_key` IS NOT NULL
  UNION ALL
  SELECT `import_seq`, lower(trim("values"->>'email')), `line` FROM `import_lines` WHERE `outcome` <> 'failed' AND trim("values"->>'email') <> ''
) WHERE `import_seq` IN (SELECT `seq` FROM `imports` WHERE `status` IN ('queued', 'processing'))
GROUP BY `import_seq`, `key`;
