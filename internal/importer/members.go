package importer

import (
	"context"
	"slices"
	"strings"

	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/identity"
)

// Members are imported as invitations, matched on the e-mail address: an
// address that is already a member is left as it is (roles of members are
// changed on the member), one with the same pending invitation too, and
// one whose pending invitation differs is invited again with the file's
// role, which replaces it.
func init() {
	specs[KindMembers] = kindSpec{
		columns: []Column{
			{Name: "email", Required: true, Aliases: []string{"e-mail", "email address"}},
			{Name: "role", Required: true, Field: "roleId"},
			{Name: "stations", Field: "stationIds", Aliases: []string{"station codes", "station"}},
			{Name: "contractor_code", Field: "contractorId", Aliases: []string{"contractor"}},
		},
		key:   func(r Record) string { v, _ := r.Get("email"); return strings.ToLower(v) },
		chunk: importMembers,
	}
}

func importMembers(ctx context.Context, r *run, tx Tx, recs []Record) ([]func(context.Context), error) {
	roles, err := tx.FindRoles(ctx, r.p.OrgID)
	if err != nil {
		return nil, err
	}
	var stationCodes, companies []string
	for _, rec := range recs {
		if v, ok := rec.Get("stations"); ok {
			stationCodes = append(stationCodes, splitList(v)...)
		}
		if v, ok := rec.Get("contractor_code"); ok {
			companies = append(companies, v)
		}
	}
	stations, err := tx.FindStationsByCode(ctx, r.p.OrgID, stationCodes)
	if err != nil {
		return nil, err
	}
	contractorIDs, err := tx.FindExternalRefs(ctx, r.p.OrgID, refContractor, companies)
	if err != nil {
		return nil, err
	}
	now := r.svc.now()
	var later []func(context.Context)
	for _, rec := range recs {
		c := r.check(rec)
		raw, _ := rec.Get("email")
		email, err := identity.NormalizeEmail("email", raw)
		if err != nil {
			c.bad("email", "must be an e-mail address such as name@example.com")
		}
		email = strings.ToLower(email)
		roleName, _ := rec.Get("role")
		role := findRole(roles, roleName)
		in := identity.MemberInput{}
		if role == nil {
			c.bad("role", "no such role in this organization")
		} else {
			in.RoleID = role.ID
			if !r.p.Permissions.Covers(role.PermissionSet()) {
				c.bad("role", "you cannot grant permissions you do not hold")
			}
		}
		codes := splitList(deref(c.text("stations")))
		for _, code := range codes {
			if st, ok := stations[code]; ok {
				in.StationIDs = append(in.StationIDs, st.ID)
			} else {
				c.bad("stations", "no station with code "+code)
			}
		}
		if company, ok := rec.Get("contractor_code"); ok {
			if id, known := contractorIDs[company]; known {
				in.ContractorID = id
			} else {
				c.bad("contractor_code", "no contractor was imported with this code")
			}
		}
		if role != nil {
			switch role.Scope {
			case hse.ScopeStations:
				if len(codes) == 0 {
					c.bad("stations", "required for this role: at least one station code")
				}
				if _, ok := rec.Get("contractor_code"); ok {
					c.bad("contractor_code", "this role is limited to stations; leave it empty")
				}
			case hse.ScopeContractor:
				if _, ok := rec.Get("contractor_code"); !ok {
					c.bad("contractor_code", "required for this role")
				}
				if len(codes) > 0 {
					c.bad("stations", "this role is limited to a contractor company; leave it empty")
				}
			default:
				if len(codes) > 0 {
					c.bad("stations", "this role covers the whole organization; leave it empty")
				}
				if _, ok := rec.Get("contractor_code"); ok {
					c.bad("contractor_code", "this role covers the whole organization; leave it empty")
				}
			}
		}
		if !c.ok() {
			continue
		}
		member, err := tx.IsMemberEmail(ctx, r.p.OrgID, email)
		if err != nil {
			return nil, err
		}
		if member {
			r.im.Unchanged++
			continue
		}
		pending, err := tx.FindPendingInvitation(ctx, r.p.OrgID, email, now)
		counter := &r.im.Created
		switch {
		case hse.IsNotFound(err):
			r.im.Created++
		case err != nil:
			return nil, err
		case sameInvitation(pending, in):
			r.im.Unchanged++
			continue
		default:
			r.im.Updated++
			counter = &r.im.Updated
		}
		if r.dryRun {
			continue
		}
		// The invitation is made by the members API's own rules, in its
		// own transaction, with its mail and audit entry, after this
		// chunk's commit. A refusal there is still the row's.
		rec, email, in := rec, email, in
		later = append(later, func(ctx context.Context) {
			if _, err := r.svc.Inviter.Invite(ctx, r.p, email, in); err != nil {
				c := r.check(rec)
				if err := c.domain(err); err != nil {
					r.svc.Log.ErrorContext(ctx, "import: invitation failed", "import", r.im.ID, "line", rec.Line, "err", err)
					c.bad("", "internal error")
				}
				*counter-- // counted above; recounted as failed
				c.ok()
			}
		})
	}
	return later, nil
}

// findRole finds a role by id or, regardless of case, by name.
func findRole(roles []identity.Role, name string) *identity.Role {
	for i := range roles {
		if roles[i].ID == name || strings.EqualFold(roles[i].Name, name) {
			return &roles[i]
		}
	}
	return nil
}

func sameInvitation(p *PendingInvitation, in identity.MemberInput) bool {
	a, b := slices.Clone(p.StationIDs), slices.Clone(in.StationIDs)
	slices.Sort(a)
	slices.Sort(b)
	return p.RoleID == in.RoleID && p.ContractorID == in.ContractorID && slices.Equal(a, b)
}
