-- The roles every Roster has. Standard is the fallback for unknown roles and cannot be removed.
INSERT INTO `roles` (`name`, `name_key`, `description`, `permissions`) VALUES
  ('Standard', 'standard', 'Uses the platform. Cannot see other users or change settings.', '[]'),
  ('Manager', 'manager', 'Has admin access to see users and imports, but cannot add or change users.', '["admin_access"]'),
  ('Admin', 'admin', 'Has admin access and manages users: imports users, edits locations, locks roles and locations.', '["admin_access","manage_users"]');
