ALTER TABLE `api_tokens` ADD `form_key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_form_key_idx` ON `api_tokens` (`form_key`);