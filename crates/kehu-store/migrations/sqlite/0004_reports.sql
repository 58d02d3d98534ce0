-- v4: the reports page reads a project's entries by time (RPT-DAILY, RPT-REG); entries arrive in
-- time order, so the index grows at its right edge.
CREATE INDEX events_project_at ON events(project, at_ms);
