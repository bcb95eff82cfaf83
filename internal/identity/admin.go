package identity

import (
	"context"
	"crypto/rand"

	"github.com/hsedigital/hse/internal/auth"
	"github.com/hsedigital/hse/internal/hse"
)

// requireOperator refuses everyone but platform operators.
func requireOperator(p *hse.Principal) error {
	if p == nil || !p.Operator {
		return hse.Forbidden("OPERATOR_ONLY", "this endpoint is for platform operators")
	}
	return nil
}

// AdminOrganizations lists every organization with counts. It is a
// platform operation: explicitly named, operator-only and audited.
func (s *Service) AdminOrganizations(ctx context.Context, p *hse.Principal) ([]OrgSummary, error) {
	if err := requireOperator(p); err != nil {
		return nil, err
	}
	var out []OrgSummary
	err := s.Store.InTx(ctx, TxScope{Platform: true, UserID: p.UserID}, func(tx Tx) error {
		var err error
		if out, err = tx.FindOrganizationSummaries(ctx); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.audit(ctx, "", p.UserID, p.Email, "admin.organizations_listed", "", "", nil, nil))
	})
	return out, err
}

// SetOrganizationStatus suspends or reactivates an organization. Its
// members' requests are refused while it is suspended.
func (s *Service) SetOrganizationStatus(ctx context.Context, p *hse.Principal, orgID, status, reason string) (*Organization, error) {
	defer s.forgetPrincipals() // what the caller may do has changed
	if err := requireOperator(p); err != nil {
		return nil, err
	}
	var o *Organization
	err := s.Store.InTx(ctx, TxScope{Platform: true, UserID: p.UserID}, func(tx Tx) error {
		var err error
		if o, err = tx.FindOrganizationByID(ctx, orgID); err != nil {
			return err
		}
		if o.Status == status {
			return hse.Conflict("NO_CHANGE", "the organization is already %s", status)
		}
		before := o.Status
		if err := tx.SetOrganizationStatus(ctx, orgID, status, s.now()); err != nil {
			return err
		}
		o.Status = status
		return tx.AppendAudit(ctx, s.audit(ctx, orgID, p.UserID, p.Email, "admin.organization_"+status, "organization", orgID,
			map[string]any{"status": before}, map[string]any{"status": status, "reason": reason}))
	})
	return o, err
}

// CreateOperator makes a user a platform operator, creating the account if
// needed; it runs from the command line only. It returns a generated
// password when it created the account.
func (s *Service) CreateOperator(ctx context.Context, email string) (password string, created bool, err error) {
	defer s.forgetPrincipals() // what callers see of themselves has changed
	email, err = NormalizeEmail("email", email)
	if err != nil {
		return "", false, err
	}
	now := s.now()
	err = s.Store.InTx(ctx, TxScope{}, func(tx Tx) error {
		u, err := tx.FindUserByEmail(ctx, email)
		if hse.IsNotFound(err) {
			password = rand.Text()
			hash, err := auth.HashPassword(password)
			if err != nil {
				return err
			}
			u = &User{ID: newID(), Email: email, Name: "Platform operator", PasswordHash: hash, EmailVerifiedAt: &now, Operator: true, CreatedAt: now, UpdatedAt: now}
			created = true
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
		} else if err != nil {
			return err
		} else {
			u.Operator, u.UpdatedAt = true, now
			if err := tx.UpdateUser(ctx, u); err != nil {
				return err
			}
		}
		return tx.AppendAudit(ctx, s.audit(ctx, "", "", "cli", "admin.operator_granted", "user", u.ID, nil, map[string]any{"email": email}))
	})
	return password, created, err
}

// AdminResetPassword sets a new random password for an account from the
// command line and ends all its sessions. It returns the new password.
func (s *Service) AdminResetPassword(ctx context.Context, email string) (string, error) {
	defer s.forgetPrincipals() // what the caller may do has changed
	email, err := NormalizeEmail("email", email)
	if err != nil {
		return "", err
	}
	password := rand.Text()
	hash, err := auth.HashPassword(password)
	if err != nil {
		return "", err
	}
	now := s.now()
	err = s.Store.InTx(ctx, TxScope{}, func(tx Tx) error {
		u, err := tx.FindUserByEmail(ctx, email)
		if err != nil {
			return err
		}
		u.PasswordHash, u.UpdatedAt = hash, now
		if u.EmailVerifiedAt == nil {
			u.EmailVerifiedAt = &now
		}
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if _, err := tx.RevokeUserSessions(ctx, u.ID, "admin_password_reset", "", now); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.audit(ctx, "", "", "cli", "admin.password_reset", "user", u.ID, nil, nil))
	})
	return password, err
}
