ALTER TABLE `users` ADD `name_key` text DEFAULT '' NOT NULL;--> statement-breakpoint
-- Users stored before this column get their names lower-cased by SQLite, which folds only ASCII
-- letters: "Ñúñez" keeps its capital until the user is next imported, which sets it fully.
UPDATE `users` SET `name_key` = lower(trim(`first_name` || ' ' || `last_name`));
