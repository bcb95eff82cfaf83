package hse

import "time"

// HistoryEntry is one line of a record's own history (an action's, an
// incident's, a permit's): what happened to it, by whom, between which
// states. Unlike the audit trail it is part of the record, shown to
// whoever can see the record.
type HistoryEntry struct {
	ID          string
	RecordID    string
	At          time.Time
	ActorUserID string // "" for the system (jobs)
	Kind        string
	FromStatus  string
	ToStatus    string
	Note        string
}
