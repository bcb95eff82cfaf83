DROP TABLE contractor_documents;
DROP TABLE contractors;
DROP TABLE station_hours;
DROP TABLE stations;
