-- undo_notes without rowid: a kept line's row is its only write (see undoNotes in src/db/schema.ts).
CREATE TABLE `undo_notes` (
	`import_seq` integer NOT NULL,
	`line` integer NOT NULL,
	`employee_number` text NOT NULL,
	`kept` text NOT NULL,
	PRIMARY KEY(`import_seq`, `line`)
) WITHOUT ROWID;
--> statement-breakpoint
ALTER TABLE `imports` ADD `undo_chunks` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `imports` ADD `undo_rows` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `imports` ADD `undo_removed` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `imports` ADD `undo_restored` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `imports` ADD `undo_kept` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `imports` ADD `undo_from` text;--> statement-breakpoint
ALTER TABLE `imports` ADD `undo_by` integer REFERENCES users(id);--> statement-breakpoint
ALTER TABLE `imports` ADD `undo_started_at` integer;--> statement-breakpoint
ALTER TABLE `imports` ADD `undo_finished_at` integer;