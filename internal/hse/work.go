package hse

// Kinds of open work a member can hold.
const (
	WorkAudit         = "audit"         // an audit they are to conduct (Scheduled, In Progress)
	WorkAction        = "action"        // an action assigned to them (Open, In Progress)
	WorkInvestigation = "investigation" // an incident they investigate, not Closed
	WorkPermit        = "permit"        // a permit they requested (Draft to Active)
)

// WorkPermissions is what someone taking over each kind of work must hold.
var WorkPermissions = map[string]Permission{
	WorkAudit:         "audits:conduct",
	WorkAction:        "actions:complete",
	WorkInvestigation: "incidents:investigate",
	WorkPermit:        "permits:request",
}

// WorkItem is one piece of a member's open work.
type WorkItem struct {
	Kind         string `json:"kind" enum:"audit,action,investigation,permit"`
	ID           string `json:"id"`
	Number       string `json:"number"`
	Status       string `json:"status"`
	StationID    string `json:"stationId,omitempty"`
	ContractorID string `json:"contractorId,omitempty"`
}

// CanTakeOver reports whether someone with access acc may take over w:
// they hold the kind's permission, and the record's station (or, for a
// contractor's permit, company) is in their scope. Actions may go to
// anyone who completes actions, as assignees see their own actions
// wherever they are.
func (acc *MemberAccess) CanTakeOver(w WorkItem) bool {
	if !acc.Permissions.Has(WorkPermissions[w.Kind]) {
		return false
	}
	switch {
	case w.Kind == WorkAction:
		return true
	case w.Kind == WorkPermit && acc.Scope.Kind == ScopeContractor:
		return w.ContractorID != "" && acc.Scope.ContractorID == w.ContractorID
	}
	return acc.Scope.AllowsStation(w.StationID)
}
