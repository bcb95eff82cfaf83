ALTER TABLE incidents DROP COLUMN deadline_missed_for;
DROP TABLE comments;
