ALTER TABLE attachment_links DROP COLUMN contractor_id;
ALTER TABLE incidents DROP COLUMN deadline_missed_for;
DROP TABLE comments;
