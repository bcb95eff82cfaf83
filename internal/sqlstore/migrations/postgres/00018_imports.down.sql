DROP TABLE external_refs;
DROP TABLE imports;
