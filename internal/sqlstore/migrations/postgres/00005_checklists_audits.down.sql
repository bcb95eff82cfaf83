DROP TABLE findings;
DROP TABLE audit_answers;
DROP TABLE audits;
DROP TABLE form_versions;
DROP TABLE form_templates;
