-- Version 15: a project's display name (翡翠湾), beside its name in addresses (a slug).
ALTER TABLE project_rulebooks ADD COLUMN title TEXT NOT NULL DEFAULT '';
