DROP TABLE action_events;
DROP TABLE actions;
